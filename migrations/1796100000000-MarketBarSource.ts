import { MigrationInterface, QueryRunner } from 'typeorm';

/** Each bar records where it came from, so one series never mixes sources (issue #19). Existing bars count as imported. */
export class MarketBarSource1796100000000 implements MigrationInterface {
  name = 'MarketBarSource1796100000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "market_bars" ADD "source" character varying(32) NOT NULL DEFAULT 'import'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "market_bars" DROP COLUMN "source"`);
  }
}
