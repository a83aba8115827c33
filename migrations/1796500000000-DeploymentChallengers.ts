import { MigrationInterface, QueryRunner } from 'typeorm';

/** deployments.challenger_*: a shadow or canary challenger version beside the active one. */
export class DeploymentChallengers1796500000000 implements MigrationInterface {
  name = 'DeploymentChallengers1796500000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "deployments" ADD "challenger_version" character varying(20)`);
    await queryRunner.query(`ALTER TABLE "deployments" ADD "challenger_mode" character varying(8)`);
    await queryRunner.query(`ALTER TABLE "deployments" ADD "canary_share" double precision`);
    await queryRunner.query(`ALTER TABLE "deployments" ADD "challenger_since" TIMESTAMP WITH TIME ZONE`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "deployments" DROP COLUMN "challenger_since"`);
    await queryRunner.query(`ALTER TABLE "deployments" DROP COLUMN "canary_share"`);
    await queryRunner.query(`ALTER TABLE "deployments" DROP COLUMN "challenger_mode"`);
    await queryRunner.query(`ALTER TABLE "deployments" DROP COLUMN "challenger_version"`);
  }
}
