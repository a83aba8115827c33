import { MigrationInterface, QueryRunner } from 'typeorm';

export class MarketBars1795770752572 implements MigrationInterface {
  name = 'MarketBars1795770752572';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "market_bars" ("symbol" character varying(7) NOT NULL, "timeframe" character varying(3) NOT NULL, "ts" TIMESTAMP WITH TIME ZONE NOT NULL, "open" double precision, "high" double precision, "low" double precision, "close" double precision NOT NULL, "volume" double precision, CONSTRAINT "PK_7d8658d1f7993c673733488783f" PRIMARY KEY ("symbol", "timeframe", "ts"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "market_bars"`);
  }
}
