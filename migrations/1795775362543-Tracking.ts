import { MigrationInterface, QueryRunner } from 'typeorm';

export class Tracking1795775362543 implements MigrationInterface {
  name = 'Tracking1795775362543';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "runs" ADD "deleted_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "runs" ADD "mlflow_run_id" character varying(64)`);
    await queryRunner.query(`ALTER TABLE "runs" ADD "mlflow_sync_state" character varying(16)`);
    await queryRunner.query(`ALTER TABLE "runs" ADD "mlflow_error" text`);
    await queryRunner.query(`ALTER TABLE "runs" ADD "mlflow_metric_cursor" bigint NOT NULL DEFAULT '0'`);
    await queryRunner.query(
      `CREATE INDEX "IDX_runs_mlflow_pending" ON "runs"  ("mlflow_sync_state") WHERE "mlflow_sync_state" = 'pending'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."IDX_runs_mlflow_pending"`);
    await queryRunner.query(`ALTER TABLE "runs" DROP COLUMN "mlflow_metric_cursor"`);
    await queryRunner.query(`ALTER TABLE "runs" DROP COLUMN "mlflow_error"`);
    await queryRunner.query(`ALTER TABLE "runs" DROP COLUMN "mlflow_sync_state"`);
    await queryRunner.query(`ALTER TABLE "runs" DROP COLUMN "mlflow_run_id"`);
    await queryRunner.query(`ALTER TABLE "runs" DROP COLUMN "deleted_at"`);
  }
}
