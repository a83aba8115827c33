import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retries of a training job: a job's own `note` (why it is on its second attempt, not an
 * error), and the MLflow runs of interrupted attempts that the mirror still has to close.
 */
export class JobAttempts1796000000000 implements MigrationInterface {
  name = 'JobAttempts1796000000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "training_jobs" ADD "note" text`);
    // Earlier releases wrote these notes into "error" of jobs that had not failed.
    await queryRunner.query(
      `UPDATE "training_jobs" SET "note" = "error", "error" = NULL WHERE "status" <> 'failed' AND ("error" LIKE 'retry % after an interrupted attempt' OR "error" LIKE 'attempt % was handed back to the queue%')`,
    );
    await queryRunner.query(`ALTER TABLE "runs" ADD "mlflow_superseded_run_ids" jsonb NOT NULL DEFAULT '[]'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "runs" DROP COLUMN "mlflow_superseded_run_ids"`);
    await queryRunner.query(`ALTER TABLE "training_jobs" DROP COLUMN "note"`);
  }
}
