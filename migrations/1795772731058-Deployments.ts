import { MigrationInterface, QueryRunner } from 'typeorm';

export class Deployments1795772731058 implements MigrationInterface {
  name = 'Deployments1795772731058';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "deployment_metrics" ("deployment_id" uuid NOT NULL, "requests" bigint NOT NULL DEFAULT '0', "errors" bigint NOT NULL DEFAULT '0', "latency_counts" jsonb NOT NULL DEFAULT '[]', "latency_sum_ms" double precision NOT NULL DEFAULT '0', "prediction_count" bigint NOT NULL DEFAULT '0', "prediction_sum" double precision NOT NULL DEFAULT '0', "prediction_sumsq" double precision NOT NULL DEFAULT '0', "prediction_min" double precision, "prediction_max" double precision, "prediction_sample" jsonb NOT NULL DEFAULT '[]', "label_counts" jsonb NOT NULL DEFAULT '{}', "first_request_at" TIMESTAMP WITH TIME ZONE, "last_request_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_47837732427c17075d968c502ea" PRIMARY KEY ("deployment_id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "deployment_notifications" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "deployment_id" uuid NOT NULL, "event" character varying(16) NOT NULL, "target" character varying(64) NOT NULL, "url" text NOT NULL, "payload" jsonb NOT NULL, "state" character varying(16) NOT NULL, "attempts" integer NOT NULL DEFAULT '0', "last_error" text, "last_status_code" integer, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_attempt_at" TIMESTAMP WITH TIME ZONE, "delivered_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_b190b3bbe6a9e91960135ab74c8" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_deployment_notifications_deployment" ON "deployment_notifications"  ("deployment_id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "deployment_request_logs" ("id" BIGSERIAL NOT NULL, "deployment_id" uuid NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL, "ok" boolean NOT NULL, "latency_ms" double precision NOT NULL, "inputs" jsonb NOT NULL, "outputs" jsonb, CONSTRAINT "PK_eebbdd4fe5d56e625306ecc7438" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_deployment_request_logs_deployment" ON "deployment_request_logs"  ("deployment_id", "id") `,
    );
    await queryRunner.query(
      `CREATE TABLE "deployments" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "model_id" character varying(64) NOT NULL, "version" character varying(20) NOT NULL, "target" character varying(64) NOT NULL, "scaling_factor" double precision NOT NULL, "monitoring_level" character varying(8) NOT NULL, "status" character varying(16) NOT NULL, "deployed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "ended_at" TIMESTAMP WITH TIME ZONE, "ended_by_deployment_id" uuid, "replaced_deployment_id" uuid, "replaced_version" character varying(20), "rollback_to_deployment_id" uuid, "restored_deployment_id" uuid, CONSTRAINT "PK_1e5627acb3c950deb83fe98fc48" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_deployments_target_status" ON "deployments"  ("target", "status") `);
    await queryRunner.query(
      `CREATE INDEX "IDX_deployments_model_deployed" ON "deployments"  ("model_id", "deployed_at") `,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_deployments_active_model_target" ON "deployments"  ("model_id", "target") WHERE "status" = 'active'`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."UQ_deployments_active_model_target"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_deployments_model_deployed"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_deployments_target_status"`);
    await queryRunner.query(`DROP TABLE "deployments"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_deployment_request_logs_deployment"`);
    await queryRunner.query(`DROP TABLE "deployment_request_logs"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_deployment_notifications_deployment"`);
    await queryRunner.query(`DROP TABLE "deployment_notifications"`);
    await queryRunner.query(`DROP TABLE "deployment_metrics"`);
  }
}
