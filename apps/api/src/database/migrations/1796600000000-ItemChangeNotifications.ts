import { MigrationInterface, QueryRunner } from 'typeorm';

/** Paths named one by one per directory and statement; beyond, the notification names the directory. */
const MAX_PATHS = 100;
/** PostgreSQL refuses payloads of 8000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7900;

/**
 * NOTIFY stockroom_changes after any change to asset_items that a cached download lookup can see (see
 * database/cache-scope.ts): per statement and directory, `asset_items:<feed id>:<JSON array of the
 * changed lower-cased paths>` (old and new), or `asset_items:<feed id>` when the statement changed more
 * than MAX_PATHS items there (a recursive delete of 100,000 files sends one notification); a
 * TRUNCATE sends `asset_items`. Updates of the download counts alone notify nothing. PostgreSQL
 * drops duplicate notifications within a transaction and delivers them at commit. One trigger per
 * event: a trigger with transition tables has only one.
 */
export class ItemChangeNotifications1796600000000 implements MigrationInterface {
  name = 'ItemChangeNotifications1796600000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION stockroom_notify_items(feed integer, paths text[]) RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        payload text;
      BEGIN
        IF cardinality(paths) <= ${MAX_PATHS} THEN
          payload := 'asset_items:' || feed || ':' || array_to_json(paths)::text;
        END IF;
        IF payload IS NULL OR octet_length(payload) > ${MAX_PAYLOAD_BYTES} THEN
          payload := 'asset_items:' || feed;
        END IF;
        PERFORM pg_notify('stockroom_changes', payload);
      END $$`);
    await queryRunner.query(`
      CREATE FUNCTION stockroom_notify_item_changes() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          PERFORM stockroom_notify_items(feed_id, array_agg(DISTINCT path_lower)) FROM new_rows GROUP BY feed_id;
        ELSIF TG_OP = 'DELETE' THEN
          PERFORM stockroom_notify_items(feed_id, array_agg(DISTINCT path_lower)) FROM old_rows GROUP BY feed_id;
        ELSIF TG_OP = 'UPDATE' THEN
          PERFORM stockroom_notify_items(changed.feed, array_agg(DISTINCT changed.path))
             FROM old_rows o JOIN new_rows n ON n.id = o.id,
                  LATERAL (VALUES (o.feed_id, o.path_lower), (n.feed_id, n.path_lower)) AS changed(feed, path)
            WHERE to_jsonb(o) - 'download_count' - 'last_downloaded_at'
                  IS DISTINCT FROM to_jsonb(n) - 'download_count' - 'last_downloaded_at'
            GROUP BY changed.feed;
        ELSE
          PERFORM pg_notify('stockroom_changes', 'asset_items');
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER stockroom_notify_item_inserts AFTER INSERT ON asset_items REFERENCING NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION stockroom_notify_item_changes()`);
    await queryRunner.query(`
      CREATE TRIGGER stockroom_notify_item_updates AFTER UPDATE ON asset_items
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION stockroom_notify_item_changes()`);
    await queryRunner.query(`
      CREATE TRIGGER stockroom_notify_item_deletes AFTER DELETE ON asset_items REFERENCING OLD TABLE AS old_rows
      FOR EACH STATEMENT EXECUTE FUNCTION stockroom_notify_item_changes()`);
    await queryRunner.query(`
      CREATE TRIGGER stockroom_notify_item_truncates AFTER TRUNCATE ON asset_items
      FOR EACH STATEMENT EXECUTE FUNCTION stockroom_notify_item_changes()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const event of ['inserts', 'updates', 'deletes', 'truncates']) {
      await queryRunner.query(`DROP TRIGGER stockroom_notify_item_${event} ON asset_items`);
    }
    await queryRunner.query(`DROP FUNCTION stockroom_notify_item_changes()`);
    await queryRunner.query(`DROP FUNCTION stockroom_notify_items(integer, text[])`);
  }
}
