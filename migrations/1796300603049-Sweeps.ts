import { MigrationInterface, QueryRunner } from 'typeorm';

export class Sweeps1796300603049 implements MigrationInterface {
  name = 'Sweeps1796300603049';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "sweeps" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" character varying(200) NOT NULL, "status" character varying(16) NOT NULL, "strategy" character varying(16) NOT NULL, "request" jsonb NOT NULL, "parent_run_id" uuid, "final_job_id" uuid, "best" jsonb, "error" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_07c638010e068c3d9759020a31a" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_sweeps_status" ON "sweeps"  ("status") `);
    await queryRunner.query(
      `CREATE TABLE "sweep_trials" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "sweep_id" uuid NOT NULL, "index" integer NOT NULL, "params" jsonb NOT NULL, "status" character varying(16) NOT NULL, "job_id" uuid, "run_id" uuid, "objective" double precision, "curve" jsonb NOT NULL DEFAULT '[]', "error" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_e9b2f888b0d928d48a2766b3c99" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_sweep_trials_sweep_index" ON "sweep_trials"  ("sweep_id", "index") `,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."UQ_sweep_trials_sweep_index"`);
    await queryRunner.query(`DROP TABLE "sweep_trials"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_sweeps_status"`);
    await queryRunner.query(`DROP TABLE "sweeps"`);
  }
}
