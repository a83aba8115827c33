import { MigrationInterface, QueryRunner } from 'typeorm';

export class JobWorker1795900000000 implements MigrationInterface {
  name = 'JobWorker1795900000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "training_jobs" ADD "worker" character varying(128)`);
    await queryRunner.query(`ALTER TABLE "training_jobs" ADD "backend_details" jsonb`);
    await queryRunner.query(`ALTER TABLE "model_versions" ADD "backend_details" jsonb`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "model_versions" DROP COLUMN "backend_details"`);
    await queryRunner.query(`ALTER TABLE "training_jobs" DROP COLUMN "backend_details"`);
    await queryRunner.query(`ALTER TABLE "training_jobs" DROP COLUMN "worker"`);
  }
}
