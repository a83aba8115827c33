import { MigrationInterface, QueryRunner } from 'typeorm';

export class Registry1795771299017 implements MigrationInterface {
  name = 'Registry1795771299017';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "experiments" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" character varying(200) NOT NULL, "tags" jsonb NOT NULL DEFAULT '{}', "archived_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_c697ebe6ea1b865670e8bf253bf" UNIQUE ("name"), CONSTRAINT "PK_aafe1321d916fac58ba06ad8178" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "run_metrics" ("id" BIGSERIAL NOT NULL, "run_id" uuid NOT NULL, "key" character varying(250) NOT NULL, "value" double precision NOT NULL, "step" bigint NOT NULL DEFAULT '0', "timestamp" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_fc007954acc0b2051caff0537e4" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_run_metrics_run_key_step" ON "run_metrics"  ("run_id", "key", "step") `);
    await queryRunner.query(
      `CREATE TABLE "runs" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "experiment_id" uuid NOT NULL, "name" character varying(200) NOT NULL, "status" character varying(16) NOT NULL, "params" jsonb NOT NULL DEFAULT '{}', "metrics" jsonb NOT NULL DEFAULT '{}', "tags" jsonb NOT NULL DEFAULT '{}', "artifacts" jsonb NOT NULL DEFAULT '[]', "model_id" character varying(64), "model_version" character varying(20), "start_time" TIMESTAMP WITH TIME ZONE NOT NULL, "end_time" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_46d6a1e257c38ba58f1a3c30836" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_runs_experiment" ON "runs"  ("experiment_id") `);
    await queryRunner.query(
      `CREATE TABLE "model_versions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "model_id" character varying(64) NOT NULL, "version" character varying(20) NOT NULL, "status" character varying(16) NOT NULL, "architecture" character varying(40), "metrics" jsonb NOT NULL DEFAULT '{}', "baselines" jsonb NOT NULL DEFAULT '{}', "features" jsonb NOT NULL DEFAULT '[]', "target" character varying(64) NOT NULL, "symbols" jsonb NOT NULL DEFAULT '[]', "timeframe" character varying(3) NOT NULL, "window" integer NOT NULL, "horizon" integer, "hyperparameters" jsonb NOT NULL DEFAULT '{}', "data_config" jsonb NOT NULL DEFAULT '{}', "data_fingerprint" character varying(80), "backend" character varying(40), "duration_ms" integer, "artifact_checksum" character varying(80), "job_id" uuid, "run_id" uuid, "error" text, "description" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "trained_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_77c0256872dcc26394dba4b87ec" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_model_versions_model_version" ON "model_versions"  ("model_id", "version") `,
    );
    await queryRunner.query(
      `CREATE TABLE "models" ("id" character varying(64) NOT NULL, "name" character varying(200) NOT NULL, "type" character varying(40) NOT NULL, "description" text, "tags" jsonb NOT NULL DEFAULT '{}', "archived_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_ef9ed7160ea69013636466bf2d5" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "training_jobs" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "model_id" character varying(64) NOT NULL, "version" character varying(20) NOT NULL, "status" character varying(16) NOT NULL, "model_type" character varying(40) NOT NULL, "request" jsonb NOT NULL, "progress" jsonb, "backend" character varying(40), "error" text, "cancel_requested" boolean NOT NULL DEFAULT false, "attempts" integer NOT NULL DEFAULT '0', "run_id" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "started_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_8596b9a44ae04a393792936a05b" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_training_jobs_status_created" ON "training_jobs"  ("status", "created_at") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."IDX_training_jobs_status_created"`);
    await queryRunner.query(`DROP TABLE "training_jobs"`);
    await queryRunner.query(`DROP TABLE "models"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_model_versions_model_version"`);
    await queryRunner.query(`DROP TABLE "model_versions"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_runs_experiment"`);
    await queryRunner.query(`DROP TABLE "runs"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_run_metrics_run_key_step"`);
    await queryRunner.query(`DROP TABLE "run_metrics"`);
    await queryRunner.query(`DROP TABLE "experiments"`);
  }
}
