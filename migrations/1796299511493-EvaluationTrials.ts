import { MigrationInterface, QueryRunner } from 'typeorm';

export class EvaluationTrials1796299511493 implements MigrationInterface {
  name = 'EvaluationTrials1796299511493';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "evaluation_trials" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "span_key" character varying(64) NOT NULL, "symbols" jsonb NOT NULL, "timeframe" character varying(3) NOT NULL, "test_first" TIMESTAMP WITH TIME ZONE NOT NULL, "test_last" TIMESTAMP WITH TIME ZONE NOT NULL, "model_id" character varying(64) NOT NULL, "version" character varying(20) NOT NULL, "sharpe" double precision, "periods_per_year" double precision NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_de4bec8c374a7f504a31a5af644" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "UQ_evaluation_trials_span_version" ON "evaluation_trials"  ("span_key", "model_id", "version") `,
    );
    await queryRunner.query(`ALTER TABLE "model_versions" ADD "splits" jsonb`);
    await queryRunner.query(`ALTER TABLE "model_versions" ADD "significance" jsonb`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "model_versions" DROP COLUMN "significance"`);
    await queryRunner.query(`ALTER TABLE "model_versions" DROP COLUMN "splits"`);
    await queryRunner.query(`DROP INDEX "public"."UQ_evaluation_trials_span_version"`);
    await queryRunner.query(`DROP TABLE "evaluation_trials"`);
  }
}
