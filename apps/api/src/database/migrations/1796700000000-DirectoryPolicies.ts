import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * [ext] Directory policies (issue 17 §3): `write_policy` and `quota_bytes` on `feeds`; who wrote a
 * 0-byte placeholder (`asset_items.placeholder_by`); and `feed_usage`, one row per directory whose
 * `used_bytes` is the sum of its files' sizes, kept by statement-level triggers on `asset_items`.
 *
 * Why triggers: every write path — single uploads, bulk imports, set-based folder copies and moves of
 * 100k rows, and paths added later — is counted without code, one UPDATE per statement and directory.
 * Why a table of its own and not a column of `feeds`: writers hold `feeds` rows FOR SHARE (against a
 * storage switch), which an UPDATE of the same row would wait for — two concurrent uploads would
 * deadlock. The row update also serializes commits per directory, so the quota check the trigger makes
 * right after it sees every committed byte (exact across nodes): a statement that grows a directory
 * past its `quota_bytes` fails with SQLSTATE SRQ01 (the transaction rolls back;
 * UnitOfWork turns it into a QuotaExceeded error), whichever code path wrote the rows. A statement
 * that does not grow it always passes (a quota lowered under the use still lets files be deleted or
 * replaced by smaller ones). Updates that leave the sizes as they were (download counts, metadata)
 * take no lock. Each row counts in full, even where rows share a blob (copies). Other bytes that
 * will count (kept file versions, connector-cached files) add theirs the same way: a trigger on
 * their table calling stockroom_add_usage('{"<feed id>": <delta>, …}').
 */
export class DirectoryPolicies1796700000000 implements MigrationInterface {
  name = 'DirectoryPolicies1796700000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "feeds" ADD "write_policy" character varying(20) NOT NULL DEFAULT 'allow'`);
    await queryRunner.query(`ALTER TABLE "feeds" ADD "quota_bytes" bigint`);
    await queryRunner.query(`ALTER TABLE "asset_items" ADD "placeholder_by" character varying(200)`);
    await queryRunner.query(`
      CREATE TABLE feed_usage (
        feed_id integer PRIMARY KEY REFERENCES feeds (id) ON DELETE CASCADE,
        used_bytes bigint NOT NULL DEFAULT 0
      )`);
    await queryRunner.query(`
      CREATE FUNCTION stockroom_open_feed_usage() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO feed_usage (feed_id) SELECT id FROM new_rows ON CONFLICT DO NOTHING;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER stockroom_open_feed_usage AFTER INSERT ON feeds REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION stockroom_open_feed_usage()`);
    // Directories in id order: a statement that spans several (a move between directories) locks
    // their rows in the same order as any other, so two of them cannot deadlock.
    await queryRunner.query(`
      CREATE FUNCTION stockroom_add_usage(deltas jsonb) RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        over record;
      BEGIN
        WITH d AS (
          SELECT key::integer AS feed_id, value::bigint AS delta FROM jsonb_each_text(deltas)
        ), locked AS (
          SELECT u.feed_id, d.delta FROM feed_usage u JOIN d ON d.feed_id = u.feed_id
          ORDER BY u.feed_id FOR UPDATE OF u
        ), updated AS (
          UPDATE feed_usage u SET used_bytes = u.used_bytes + l.delta FROM locked l WHERE u.feed_id = l.feed_id
          RETURNING u.feed_id, u.used_bytes, l.delta
        )
        SELECT f.name, f.quota_bytes, up.used_bytes, up.delta INTO over
          FROM updated up JOIN feeds f ON f.id = up.feed_id
         WHERE up.delta > 0 AND f.quota_bytes IS NOT NULL AND up.used_bytes > f.quota_bytes
         LIMIT 1;
        IF FOUND THEN
          RAISE EXCEPTION USING
            ERRCODE = 'SRQ01', -- QUOTA_EXCEEDED_SQLSTATE (common/errors/database-errors.ts)
            MESSAGE = format('Asset directory "%s" would exceed its quota: %s more bytes, with %s of its %s bytes in use.',
              over.name, over.delta, over.used_bytes - over.delta, over.quota_bytes);
        END IF;
      END $$`);
    await queryRunner.query(`
      CREATE FUNCTION stockroom_count_item_bytes() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        deltas jsonb;
      BEGIN
        IF TG_OP = 'INSERT' THEN
          SELECT jsonb_object_agg(feed_id, delta) INTO deltas FROM (
            SELECT feed_id, sum(size) AS delta FROM new_rows WHERE kind = 'file' GROUP BY feed_id
          ) s WHERE delta <> 0;
        ELSIF TG_OP = 'DELETE' THEN
          SELECT jsonb_object_agg(feed_id, delta) INTO deltas FROM (
            SELECT feed_id, -sum(size) AS delta FROM old_rows WHERE kind = 'file' GROUP BY feed_id
          ) s WHERE delta <> 0;
        ELSE
          SELECT jsonb_object_agg(feed_id, delta) INTO deltas FROM (
            SELECT feed_id, sum(delta) AS delta FROM (
              SELECT feed_id, size AS delta FROM new_rows WHERE kind = 'file'
              UNION ALL
              SELECT feed_id, -size FROM old_rows WHERE kind = 'file'
            ) c GROUP BY feed_id
          ) s WHERE delta <> 0;
        END IF;
        IF deltas IS NOT NULL THEN
          PERFORM stockroom_add_usage(deltas);
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER stockroom_count_item_inserts AFTER INSERT ON asset_items REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION stockroom_count_item_bytes()`);
    await queryRunner.query(`
      CREATE TRIGGER stockroom_count_item_updates AFTER UPDATE ON asset_items
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION stockroom_count_item_bytes()`);
    await queryRunner.query(`
      CREATE TRIGGER stockroom_count_item_deletes AFTER DELETE ON asset_items REFERENCING OLD TABLE AS old_rows
      FOR EACH STATEMENT EXECUTE FUNCTION stockroom_count_item_bytes()`);
    // The backfill, in the migration's transaction (the triggers above already count what follows).
    await queryRunner.query(`
      INSERT INTO feed_usage (feed_id, used_bytes)
      SELECT f.id, coalesce((SELECT sum(size) FROM asset_items a WHERE a.feed_id = f.id AND a.kind = 'file'), 0)
        FROM feeds f`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER stockroom_count_item_deletes ON asset_items`);
    await queryRunner.query(`DROP TRIGGER stockroom_count_item_updates ON asset_items`);
    await queryRunner.query(`DROP TRIGGER stockroom_count_item_inserts ON asset_items`);
    await queryRunner.query(`DROP FUNCTION stockroom_count_item_bytes()`);
    await queryRunner.query(`DROP FUNCTION stockroom_add_usage(jsonb)`);
    await queryRunner.query(`DROP TRIGGER stockroom_open_feed_usage ON feeds`);
    await queryRunner.query(`DROP FUNCTION stockroom_open_feed_usage()`);
    await queryRunner.query(`DROP TABLE feed_usage`);
    await queryRunner.query(`ALTER TABLE "asset_items" DROP COLUMN "placeholder_by"`);
    await queryRunner.query(`ALTER TABLE "feeds" DROP COLUMN "quota_bytes"`);
    await queryRunner.query(`ALTER TABLE "feeds" DROP COLUMN "write_policy"`);
  }
}
