import { MigrationInterface, QueryRunner } from 'typeorm';

/** Secrets every node of an installation shares (the download-URL signing key); filled at first start. */
export class ServerSecrets1795531000000 implements MigrationInterface {
  name = 'ServerSecrets1795531000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "server_secrets" (
                "name" character varying(100) NOT NULL,
                "value" bytea NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "PK_776280895f188bb4dd7028779cd" PRIMARY KEY ("name")
            )
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "server_secrets"`);
  }
}
