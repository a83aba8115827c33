import { MigrationInterface, QueryRunner } from 'typeorm';

/** model_versions.walk_forward: the walk-forward report of a version evaluated that way. */
export class WalkForward1796400000000 implements MigrationInterface {
  name = 'WalkForward1796400000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "model_versions" ADD "walk_forward" jsonb`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "model_versions" DROP COLUMN "walk_forward"`);
  }
}
