import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * walk_forward_folds: one row per walk-forward fold run as a queue job of its own, holding the
 * fold's state and its out-of-sample result until the parent job combines the folds.
 */
export class WalkForwardFolds1796600000000 implements MigrationInterface {
  name = 'WalkForwardFolds1796600000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "walk_forward_folds" ("job_id" uuid NOT NULL, "fold" integer NOT NULL, "queue_id" uuid NOT NULL, "status" character varying(16) NOT NULL, "worker" character varying(128), "attempts" integer NOT NULL DEFAULT '0', "progress" jsonb, "error" text, "result" jsonb, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "started_at" TIMESTAMP WITH TIME ZONE, "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_2c0bc8b97e4dd5468c6ff5fc635" PRIMARY KEY ("job_id", "fold"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "walk_forward_folds"`);
  }
}
