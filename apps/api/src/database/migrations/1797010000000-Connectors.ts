import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * [ext] Connectors (issue 20): a directory's upstream (`feeds.connector`, secrets encrypted), what
 * the connector fetched (`connector_cache`: the upstream's validators per file, and remembered 404s),
 * and each directory's counters (`connector_stats`), shared by every node.
 */
export class Connectors1797010000000 implements MigrationInterface {
  name = 'Connectors1797010000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "feeds" ADD "connector" jsonb`);
    await queryRunner.query(`
      CREATE TABLE "connector_cache" (
        "feed_id" integer NOT NULL,
        "path_lower" text NOT NULL,
        "sha1" character varying(40),
        "etag" text,
        "last_modified" text,
        "fetched_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "validated_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "missing_until" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "pk_connector_cache" PRIMARY KEY ("feed_id", "path_lower")
      )`);
    await queryRunner.query(`
      ALTER TABLE "connector_cache" ADD CONSTRAINT "fk_connector_cache_feed"
      FOREIGN KEY ("feed_id") REFERENCES "feeds"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`
      CREATE TABLE "connector_stats" (
        "feed_id" integer NOT NULL,
        "hits" bigint NOT NULL DEFAULT 0,
        "misses" bigint NOT NULL DEFAULT 0,
        "errors" bigint NOT NULL DEFAULT 0,
        "last_fetch_at" TIMESTAMP WITH TIME ZONE,
        "last_error_at" TIMESTAMP WITH TIME ZONE,
        "last_error_path" text,
        "last_error_message" text,
        CONSTRAINT "pk_connector_stats" PRIMARY KEY ("feed_id")
      )`);
    await queryRunner.query(`
      ALTER TABLE "connector_stats" ADD CONSTRAINT "fk_connector_stats_feed"
      FOREIGN KEY ("feed_id") REFERENCES "feeds"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "connector_stats"`);
    await queryRunner.query(`DROP TABLE "connector_cache"`);
    await queryRunner.query(`ALTER TABLE "feeds" DROP COLUMN "connector"`);
  }
}
