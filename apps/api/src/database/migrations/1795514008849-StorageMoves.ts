import { MigrationInterface, QueryRunner } from 'typeorm';

export class StorageMoves1795514008849 implements MigrationInterface {
  name = 'StorageMoves1795514008849';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "storage_moves" (
                "id" uuid NOT NULL,
                "feed_id" integer NOT NULL,
                "state" character varying(20) NOT NULL,
                "source" jsonb NOT NULL,
                "target" jsonb NOT NULL,
                "started_by" character varying(255) NOT NULL,
                "cursor" bigint NOT NULL DEFAULT '0',
                "total_files" integer NOT NULL,
                "total_bytes" bigint NOT NULL,
                "copied_files" integer NOT NULL DEFAULT '0',
                "copied_bytes" bigint NOT NULL DEFAULT '0',
                "failed_files" integer NOT NULL DEFAULT '0',
                "errors" jsonb NOT NULL DEFAULT '[]',
                "lease_owner" character varying(64),
                "lease_until" TIMESTAMP WITH TIME ZONE,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "finished_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_d7abc78c0064605a84a69eed715" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_storage_moves_feed" ON "storage_moves" ("feed_id", "created_at")
        `);
    await queryRunner.query(`
            ALTER TABLE "feeds"
            ADD "storage_previous" jsonb
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_asset_items_blob_key" ON "asset_items" ("blob_key")
        `);
    await queryRunner.query(`
            ALTER TABLE "multipart_uploads"
            ADD "storage" jsonb
        `);
    await queryRunner.query(`
            ALTER TABLE "blob_deletions"
            ADD "not_before" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()
        `);
    await queryRunner.query(`
            ALTER TABLE "storage_moves"
            ADD CONSTRAINT "FK_2ca4ce710576c795e9a6edf12d6" FOREIGN KEY ("feed_id") REFERENCES "feeds"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "storage_moves" DROP CONSTRAINT "FK_2ca4ce710576c795e9a6edf12d6"
        `);
    await queryRunner.query(`
            ALTER TABLE "blob_deletions" DROP COLUMN "not_before"
        `);
    await queryRunner.query(`
            ALTER TABLE "multipart_uploads" DROP COLUMN "storage"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_asset_items_blob_key"
        `);
    await queryRunner.query(`
            ALTER TABLE "feeds" DROP COLUMN "storage_previous"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_storage_moves_feed"
        `);
    await queryRunner.query(`
            DROP TABLE "storage_moves"
        `);
  }
}
