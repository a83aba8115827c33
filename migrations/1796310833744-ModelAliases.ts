import { MigrationInterface, QueryRunner } from 'typeorm';

export class ModelAliases1796310833744 implements MigrationInterface {
  name = 'ModelAliases1796310833744';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "model_aliases" ("model_id" character varying(64) NOT NULL, "alias" character varying(64) NOT NULL, "version" character varying(20) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_1440efdfe2e08fdfc5db39a1d0f" PRIMARY KEY ("model_id", "alias"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_model_aliases_model_version" ON "model_aliases"  ("model_id", "version") `,
    );
    await queryRunner.query(
      `CREATE TABLE "model_history" ("id" BIGSERIAL NOT NULL, "model_id" character varying(64) NOT NULL, "event" character varying(32) NOT NULL, "alias" character varying(64), "version" character varying(20), "previous_version" character varying(20), "reason" character varying(32), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_c1489efe2e247beec7d8cbd18e4" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_model_history_model_id" ON "model_history"  ("model_id", "id") `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."IDX_model_history_model_id"`);
    await queryRunner.query(`DROP TABLE "model_history"`);
    await queryRunner.query(`DROP INDEX "public"."IDX_model_aliases_model_version"`);
    await queryRunner.query(`DROP TABLE "model_aliases"`);
  }
}
