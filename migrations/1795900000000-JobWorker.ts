import { MigrationInterface, QueryRunner } from "typeorm";

export class JobWorker1795900000000 implements MigrationInterface {
    name = 'JobWorker1795900000000'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "training_jobs" ADD "worker" character varying(128)`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "training_jobs" DROP COLUMN "worker"`);
    }
}
