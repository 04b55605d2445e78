import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * [ext] The quota counts kept file versions (issue 17 §3), each in full, as the DirectoryPolicies
 * migration foresaw: a statement-level trigger on `asset_versions` adds their sizes to `feed_usage`
 * (recorded, pruned, moved to another directory with their file), and a backfill counts the versions
 * kept before it.
 *
 * The refusal changes from "a statement that grows the directory past its quota" to "a statement that
 * leaves the directory over its quota with more bytes than its transaction found there": with history
 * on, a delete moves a file's bytes into a version (the file row goes, a version row comes: net zero,
 * never refused, even over a lowered quota), while an overwrite keeps the old bytes as a version and
 * adds the new ones (refused when the two no longer fit — whichever of its statements comes last, and
 * exact: the usage row stays locked by the transaction from its first change). `base_xid` and
 * `base_bytes` remember, per directory, the use as the current transaction found it.
 */
export class VersionUsage1796800000000 implements MigrationInterface {
  name = 'VersionUsage1796800000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE feed_usage ADD base_xid xid8, ADD base_bytes bigint`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION stockroom_add_usage(deltas jsonb) RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        over record;
      BEGIN
        WITH d AS (
          SELECT key::integer AS feed_id, value::bigint AS delta FROM jsonb_each_text(deltas)
        ), locked AS (
          SELECT u.feed_id, d.delta FROM feed_usage u JOIN d ON d.feed_id = u.feed_id
          ORDER BY u.feed_id FOR UPDATE OF u
        ), updated AS (
          UPDATE feed_usage u SET used_bytes = u.used_bytes + l.delta,
            base_bytes = CASE WHEN u.base_xid = pg_current_xact_id() THEN u.base_bytes ELSE u.used_bytes END,
            base_xid = pg_current_xact_id()
            FROM locked l WHERE u.feed_id = l.feed_id
          RETURNING u.feed_id, u.used_bytes, u.base_bytes
        )
        SELECT f.name, f.quota_bytes, up.used_bytes, up.base_bytes INTO over
          FROM updated up JOIN feeds f ON f.id = up.feed_id
         WHERE f.quota_bytes IS NOT NULL AND up.used_bytes > f.quota_bytes AND up.used_bytes > up.base_bytes
         LIMIT 1;
        IF FOUND THEN
          RAISE EXCEPTION USING
            ERRCODE = 'SRQ01', -- QUOTA_EXCEEDED_SQLSTATE (common/errors/database-errors.ts)
            MESSAGE = format('Asset directory "%s" would exceed its quota: %s more bytes, with %s of its %s bytes in use.',
              over.name, over.used_bytes - over.base_bytes, over.base_bytes, over.quota_bytes);
        END IF;
      END $$`);
    await queryRunner.query(`
      CREATE FUNCTION stockroom_count_version_bytes() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        deltas jsonb;
      BEGIN
        IF TG_OP = 'INSERT' THEN
          SELECT jsonb_object_agg(feed_id, delta) INTO deltas FROM (
            SELECT feed_id, sum(size) AS delta FROM new_rows GROUP BY feed_id
          ) s WHERE delta <> 0;
        ELSIF TG_OP = 'DELETE' THEN
          SELECT jsonb_object_agg(feed_id, delta) INTO deltas FROM (
            SELECT feed_id, -sum(size) AS delta FROM old_rows GROUP BY feed_id
          ) s WHERE delta <> 0;
        ELSE
          SELECT jsonb_object_agg(feed_id, delta) INTO deltas FROM (
            SELECT feed_id, sum(delta) AS delta FROM (
              SELECT feed_id, size AS delta FROM new_rows
              UNION ALL
              SELECT feed_id, -size FROM old_rows
            ) c GROUP BY feed_id
          ) s WHERE delta <> 0;
        END IF;
        IF deltas IS NOT NULL THEN
          PERFORM stockroom_add_usage(deltas);
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER stockroom_count_version_inserts AFTER INSERT ON asset_versions REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION stockroom_count_version_bytes()`);
    await queryRunner.query(`
      CREATE TRIGGER stockroom_count_version_updates AFTER UPDATE ON asset_versions
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION stockroom_count_version_bytes()`);
    await queryRunner.query(`
      CREATE TRIGGER stockroom_count_version_deletes AFTER DELETE ON asset_versions REFERENCING OLD TABLE AS old_rows
      FOR EACH STATEMENT EXECUTE FUNCTION stockroom_count_version_bytes()`);
    // The backfill (the triggers above count what follows, in this transaction).
    await queryRunner.query(`
      UPDATE feed_usage u SET used_bytes = u.used_bytes + v.bytes
        FROM (SELECT feed_id, sum(size) AS bytes FROM asset_versions GROUP BY feed_id) v
       WHERE v.feed_id = u.feed_id`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER stockroom_count_version_deletes ON asset_versions`);
    await queryRunner.query(`DROP TRIGGER stockroom_count_version_updates ON asset_versions`);
    await queryRunner.query(`DROP TRIGGER stockroom_count_version_inserts ON asset_versions`);
    await queryRunner.query(`DROP FUNCTION stockroom_count_version_bytes()`);
    await queryRunner.query(`
      UPDATE feed_usage u SET used_bytes = u.used_bytes - v.bytes
        FROM (SELECT feed_id, sum(size) AS bytes FROM asset_versions GROUP BY feed_id) v
       WHERE v.feed_id = u.feed_id`);
    // The refusal as DirectoryPolicies1796700000000 made it.
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION stockroom_add_usage(deltas jsonb) RETURNS void LANGUAGE plpgsql AS $$
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
    await queryRunner.query(`ALTER TABLE feed_usage DROP COLUMN base_bytes, DROP COLUMN base_xid`);
  }
}
