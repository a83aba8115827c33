import { MigrationInterface, QueryRunner } from 'typeorm';

export class Schedules1796310907672 implements MigrationInterface {
  name = 'Schedules1796310907672';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "schedules" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "model_id" character varying(64) NOT NULL, "cron" character varying(120) NOT NULL, "timezone" character varying(64) NOT NULL, "window" jsonb NOT NULL, "base" jsonb NOT NULL, "on_success" character varying(20) NOT NULL, "paused" boolean NOT NULL DEFAULT false, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_7e33fc2ea755a5765e3564e66dd" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_schedules_model" ON "schedules"  ("model_id") `);
    await queryRunner.query(
      `CREATE TABLE "schedule_runs" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "schedule_id" uuid NOT NULL, "trigger" character varying(8) NOT NULL, "trigger_id" character varying(64), "status" character varying(16) NOT NULL, "job_id" uuid, "version" character varying(20), "window_start" TIMESTAMP WITH TIME ZONE, "window_end" TIMESTAMP WITH TIME ZONE, "outcome" character varying(16), "reason" text, "comparison" jsonb, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_ef93e91d5380c5f16f34c274af0" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_schedule_runs_job" ON "schedule_runs"  ("job_id") `);
    await queryRunner.query(
      `CREATE INDEX "IDX_schedule_runs_schedule_created" ON "schedule_runs"  ("schedule_id", "created_at") `,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "UQ_schedule_runs_trigger" ON "schedule_runs"  ("trigger_id") `);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_schedule_runs_active" ON "schedule_runs"  ("schedule_id") WHERE "status" IN ('starting', 'queued', 'settling')`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."UQ_schedule_runs_active"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_schedule_runs_trigger"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_schedule_runs_schedule_created"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_schedule_runs_job"`);
    await queryRunner.query(`DROP TABLE "schedule_runs"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_schedules_model"`);
    await queryRunner.query(`DROP TABLE "schedules"`);
  }
}
