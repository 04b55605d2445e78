import { MigrationInterface, QueryRunner } from 'typeorm';

export class Retention1795522342669 implements MigrationInterface {
  name = 'Retention1795522342669';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "retention_previews" (
                "id" uuid NOT NULL,
                "feed_id" integer NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "created_by" character varying(200) NOT NULL,
                "evaluated_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "rules" jsonb NOT NULL,
                "totals" jsonb NOT NULL,
                CONSTRAINT "PK_b51a034838fe1c3147a812f869d" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_retention_previews_feed" ON "retention_previews" ("feed_id", "created_at")
        `);
    await queryRunner.query(`
            CREATE TABLE "retention_candidates" (
                "preview_id" uuid NOT NULL,
                "seq" integer NOT NULL,
                "item_id" bigint NOT NULL,
                "path" text NOT NULL,
                "size" bigint NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "modified_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "download_count" bigint NOT NULL,
                "last_downloaded_at" TIMESTAMP WITH TIME ZONE,
                "blob_key" character varying(1024),
                "rule" integer NOT NULL,
                "reason" text NOT NULL,
                "outcome" character varying(16),
                "note" text,
                CONSTRAINT "PK_6b72b26faa3800cdcc4caf8b5a2" PRIMARY KEY ("preview_id", "seq")
            )
        `);
    await queryRunner.query(`
            CREATE TABLE "retention_runs" (
                "id" BIGSERIAL NOT NULL,
                "kind" character varying(12) NOT NULL,
                "feed_id" integer,
                "trigger" character varying(12) NOT NULL,
                "slot" TIMESTAMP WITH TIME ZONE,
                "dry_run" boolean NOT NULL,
                "state" character varying(12) NOT NULL,
                "preview_id" uuid,
                "started_by" character varying(200) NOT NULL,
                "started_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "finished_at" TIMESTAMP WITH TIME ZONE,
                "cursor" integer NOT NULL DEFAULT '0',
                "deleted_files" integer NOT NULL DEFAULT '0',
                "deleted_bytes" bigint NOT NULL DEFAULT '0',
                "skipped_files" integer NOT NULL DEFAULT '0',
                "folders_removed" integer NOT NULL DEFAULT '0',
                "resumed" integer NOT NULL DEFAULT '0',
                "error" text,
                "details" jsonb,
                CONSTRAINT "PK_80f0aec401112f8d4bad156a908" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_retention_runs_state" ON "retention_runs" ("state")
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_retention_runs_feed" ON "retention_runs" ("feed_id", "id")
        `);
    await queryRunner.query(`
            CREATE TABLE "retention_settings" (
                "id" smallint NOT NULL,
                "schedule" character varying(200) NOT NULL,
                "timezone" character varying(100) NOT NULL,
                "dry_run" boolean NOT NULL,
                "history_days" integer NOT NULL,
                "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "PK_ba0941ea3e43235c88387d87aa8" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            ALTER TABLE "feeds"
            ADD "retention_dry_run" boolean NOT NULL DEFAULT false
        `);
    // Hand-written: one scheduled run per directory (or maintenance) and schedule slot, however
    // many nodes fire. COALESCE rather than NULLS NOT DISTINCT, which needs PostgreSQL 15.
    await queryRunner.query(`
            CREATE UNIQUE INDEX "ux_retention_runs_slot" ON "retention_runs" ("kind", COALESCE("feed_id", 0), "slot")
            WHERE "slot" IS NOT NULL
        `);
    await queryRunner.query(`
            INSERT INTO "retention_settings" ("id", "schedule", "timezone", "dry_run", "history_days", "updated_at")
            VALUES (1, '0 3 * * *', 'UTC', false, 90, now())
        `);
    await queryRunner.query(`
            ALTER TABLE "retention_previews"
            ADD CONSTRAINT "FK_b93eeb9383cd4dd4e7c1f7e1921" FOREIGN KEY ("feed_id") REFERENCES "feeds"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "retention_candidates"
            ADD CONSTRAINT "FK_9bbc70a74260916f09278e00885" FOREIGN KEY ("preview_id") REFERENCES "retention_previews"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "retention_runs"
            ADD CONSTRAINT "FK_95cd28946a3055b5536aa9a173c" FOREIGN KEY ("feed_id") REFERENCES "feeds"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "retention_runs"
            ADD CONSTRAINT "FK_d8ba84079a811b1d38608849761" FOREIGN KEY ("preview_id") REFERENCES "retention_previews"("id") ON DELETE
            SET NULL ON UPDATE NO ACTION
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "retention_runs" DROP CONSTRAINT "FK_d8ba84079a811b1d38608849761"
        `);
    await queryRunner.query(`
            ALTER TABLE "retention_runs" DROP CONSTRAINT "FK_95cd28946a3055b5536aa9a173c"
        `);
    await queryRunner.query(`
            ALTER TABLE "retention_candidates" DROP CONSTRAINT "FK_9bbc70a74260916f09278e00885"
        `);
    await queryRunner.query(`
            ALTER TABLE "retention_previews" DROP CONSTRAINT "FK_b93eeb9383cd4dd4e7c1f7e1921"
        `);
    await queryRunner.query(`
            ALTER TABLE "feeds" DROP COLUMN "retention_dry_run"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ux_retention_runs_slot"
        `);
    await queryRunner.query(`
            DROP TABLE "retention_settings"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_retention_runs_feed"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_retention_runs_state"
        `);
    await queryRunner.query(`
            DROP TABLE "retention_runs"
        `);
    await queryRunner.query(`
            DROP TABLE "retention_candidates"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_retention_previews_feed"
        `);
    await queryRunner.query(`
            DROP TABLE "retention_previews"
        `);
  }
}
