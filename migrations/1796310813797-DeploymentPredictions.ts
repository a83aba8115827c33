import { MigrationInterface, QueryRunner } from 'typeorm';

export class DeploymentPredictions1796310813797 implements MigrationInterface {
  name = 'DeploymentPredictions1796310813797';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "deployment_predictions" ("id" BIGSERIAL NOT NULL, "deployment_id" uuid NOT NULL, "model_id" character varying(64) NOT NULL, "version" character varying(20) NOT NULL, "role" character varying(16) NOT NULL, "engine" character varying(16) NOT NULL, "symbol" character varying(32) NOT NULL, "timeframe" character varying(3) NOT NULL, "as_of" TIMESTAMP WITH TIME ZONE NOT NULL, "horizon" integer NOT NULL, "predicted" double precision NOT NULL, "served_at" TIMESTAMP WITH TIME ZONE NOT NULL, "realised" double precision, "price" double precision, "realised_at" TIMESTAMP WITH TIME ZONE, "scored_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_18b82df68ad5b503dbbe04cc08a" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_deployment_predictions_served" ON "deployment_predictions"  ("served_at") `,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_deployment_predictions_pending" ON "deployment_predictions"  ("symbol", "timeframe", "as_of") WHERE "scored_at" IS NULL`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_deployment_predictions_bar" ON "deployment_predictions"  ("deployment_id", "version", "as_of", "symbol", "timeframe") `,
    );
    await queryRunner.query(`ALTER TABLE "deployments" ADD "performance_status" character varying(24)`);
    await queryRunner.query(`ALTER TABLE "deployments" ADD "performance_changed_at" TIMESTAMP WITH TIME ZONE`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "deployments" DROP COLUMN "performance_changed_at"`);
    await queryRunner.query(`ALTER TABLE "deployments" DROP COLUMN "performance_status"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_deployment_predictions_bar"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_deployment_predictions_pending"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_deployment_predictions_served"`);
    await queryRunner.query(`DROP TABLE "deployment_predictions"`);
  }
}
