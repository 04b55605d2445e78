import { MigrationInterface, QueryRunner } from 'typeorm';

/** [ext] File history: `feeds.file_history`, the kept versions and the per-path version counters. */
export class FileHistory1796750000000 implements MigrationInterface {
  name = 'FileHistory1796750000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "feeds" ADD "file_history" jsonb`);
    await queryRunner.query(`
            CREATE TABLE "asset_versions" (
                "id" BIGSERIAL NOT NULL,
                "feed_id" integer NOT NULL,
                "path" text NOT NULL,
                "path_lower" text COLLATE "C" NOT NULL,
                "version" integer NOT NULL,
                "blob_key" character varying(1024) NOT NULL,
                "size" bigint NOT NULL,
                "media_type" character varying(255),
                "md5" character(32),
                "sha1" character(40),
                "sha256" character(64),
                "sha512" character(128),
                "user_metadata" jsonb,
                "cache_header" jsonb,
                "modified_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "replaced_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "replaced_by" text,
                "deleted" boolean NOT NULL DEFAULT false,
                CONSTRAINT "pk_asset_versions" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_asset_versions_path_version" ON "asset_versions" ("feed_id", "path_lower", "version")`,
    );
    await queryRunner.query(`CREATE INDEX "ix_asset_versions_replaced_at" ON "asset_versions" ("replaced_at")`);
    await queryRunner.query(`CREATE INDEX "ix_asset_versions_blob_key" ON "asset_versions" ("blob_key")`);
    await queryRunner.query(`
            ALTER TABLE "asset_versions" ADD CONSTRAINT "fk_asset_versions_feed"
            FOREIGN KEY ("feed_id") REFERENCES "feeds"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            CREATE TABLE "asset_version_counters" (
                "feed_id" integer NOT NULL,
                "path_lower" text COLLATE "C" NOT NULL,
                "last_version" integer NOT NULL,
                CONSTRAINT "pk_asset_version_counters" PRIMARY KEY ("feed_id", "path_lower")
            )
        `);
    await queryRunner.query(`
            ALTER TABLE "asset_version_counters" ADD CONSTRAINT "fk_asset_version_counters_feed"
            FOREIGN KEY ("feed_id") REFERENCES "feeds"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "asset_version_counters"`);
    await queryRunner.query(`DROP TABLE "asset_versions"`);
    await queryRunner.query(`ALTER TABLE "feeds" DROP COLUMN "file_history"`);
  }
}
