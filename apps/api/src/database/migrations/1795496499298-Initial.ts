import { MigrationInterface, QueryRunner } from 'typeorm';

export class Initial1795496499298 implements MigrationInterface {
  name = 'Initial1795496499298';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "feeds" (
                "id" SERIAL NOT NULL,
                "name" character varying(100) NOT NULL,
                "name_lower" character varying(100) NOT NULL,
                "feed_type" character varying(20) NOT NULL DEFAULT 'asset',
                "description" text NOT NULL DEFAULT '',
                "active" boolean NOT NULL DEFAULT true,
                "retention_rules" jsonb NOT NULL DEFAULT '[]',
                "retention_rules_enabled" boolean NOT NULL DEFAULT false,
                "cache_header" jsonb,
                "storage" jsonb,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_3dafbf766ecbb1eb2017732153f" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "ux_feeds_name_lower" ON "feeds" ("name_lower")
        `);
    await queryRunner.query(`
            CREATE TABLE "asset_items" (
                "id" BIGSERIAL NOT NULL,
                "feed_id" integer NOT NULL,
                "path" text NOT NULL,
                "path_lower" text COLLATE "C" NOT NULL,
                "parent_lower" text COLLATE "C" NOT NULL,
                "name" text NOT NULL,
                "name_lower" text COLLATE "C" NOT NULL,
                "kind" character varying(4) NOT NULL,
                "size" bigint,
                "media_type" character varying(255),
                "blob_key" character varying(1024),
                "md5" character(32),
                "sha1" character(40),
                "sha256" character(64),
                "sha512" character(128),
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "modified_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "user_metadata" jsonb,
                "cache_header" jsonb,
                "download_count" bigint NOT NULL DEFAULT '0',
                "last_downloaded_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_9e51aa9a736383552633cdcbe1a" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_asset_items_parent" ON "asset_items" ("feed_id", "parent_lower", "kind", "name_lower")
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "ux_asset_items_path" ON "asset_items" ("feed_id", "path_lower")
        `);
    await queryRunner.query(`
            CREATE TABLE "multipart_uploads" (
                "id" uuid NOT NULL,
                "feed_id" integer NOT NULL,
                "client_id" character varying(100) NOT NULL,
                "path" text NOT NULL,
                "path_lower" text COLLATE "C" NOT NULL,
                "total_size" bigint NOT NULL,
                "total_parts" integer NOT NULL,
                "blob_key" character varying(1024) NOT NULL,
                "storage_upload_id" character varying(1024) NOT NULL,
                "media_type" character varying(255),
                "hashed_bytes" bigint NOT NULL DEFAULT '0',
                "hash_state" jsonb,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_5d861841b0a2fd8749d5a659929" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "ux_multipart_uploads_client_id" ON "multipart_uploads" ("feed_id", "client_id")
        `);
    await queryRunner.query(`
            CREATE TABLE "multipart_parts" (
                "upload_id" uuid NOT NULL,
                "part_index" integer NOT NULL,
                "part_offset" bigint NOT NULL,
                "part_size" bigint NOT NULL,
                "token" character varying(1024),
                CONSTRAINT "PK_822cd0d35fd5f270bedad858c94" PRIMARY KEY ("upload_id", "part_index")
            )
        `);
    await queryRunner.query(`
            CREATE TABLE "blob_deletions" (
                "id" BIGSERIAL NOT NULL,
                "storage" jsonb NOT NULL,
                "blob_key" character varying(1024) NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_74eac523fa58d93f56fc7a6a201" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            ALTER TABLE "asset_items"
            ADD CONSTRAINT "FK_ba8d3f02872ca4ff4f5dd62952f" FOREIGN KEY ("feed_id") REFERENCES "feeds"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "multipart_uploads"
            ADD CONSTRAINT "FK_f2d46f56eca767e8e86da56c66a" FOREIGN KEY ("feed_id") REFERENCES "feeds"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "multipart_parts"
            ADD CONSTRAINT "FK_269c165105b665a2158ef0d6601" FOREIGN KEY ("upload_id") REFERENCES "multipart_uploads"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "multipart_parts" DROP CONSTRAINT "FK_269c165105b665a2158ef0d6601"
        `);
    await queryRunner.query(`
            ALTER TABLE "multipart_uploads" DROP CONSTRAINT "FK_f2d46f56eca767e8e86da56c66a"
        `);
    await queryRunner.query(`
            ALTER TABLE "asset_items" DROP CONSTRAINT "FK_ba8d3f02872ca4ff4f5dd62952f"
        `);
    await queryRunner.query(`
            DROP TABLE "blob_deletions"
        `);
    await queryRunner.query(`
            DROP TABLE "multipart_parts"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ux_multipart_uploads_client_id"
        `);
    await queryRunner.query(`
            DROP TABLE "multipart_uploads"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ux_asset_items_path"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_asset_items_parent"
        `);
    await queryRunner.query(`
            DROP TABLE "asset_items"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ux_feeds_name_lower"
        `);
    await queryRunner.query(`
            DROP TABLE "feeds"
        `);
  }
}
