import { MigrationInterface, QueryRunner } from 'typeorm';

const TABLES = ['feeds', 'users', 'groups', 'group_members', 'roles', 'privilege_rules', 'login_throttle'];
/** Every api_keys column but last_used_at (touched on use; not worth dropping every cache for). */
const KEY_COLUMNS = 'type, secret_hash, system_apis, feed_permissions, feed_id, user_id, expires_at, revoked_at';

/**
 * NOTIFY stockroom_changes after any change to the tables nodes cache (see database/coherent-cache.service.ts): one
 * notification per statement, delivered at commit, so every node drops what it cached.
 */
export class ChangeNotifications1795512000000 implements MigrationInterface {
  name = 'ChangeNotifications1795512000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION stockroom_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('stockroom_changes', TG_TABLE_NAME);
        RETURN NULL;
      END $$`);
    for (const table of TABLES) {
      await queryRunner.query(
        `CREATE TRIGGER stockroom_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "${table}"
         FOR EACH STATEMENT EXECUTE FUNCTION stockroom_notify_change()`,
      );
    }
    await queryRunner.query(
      `CREATE TRIGGER stockroom_notify_change AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF ${KEY_COLUMNS}
       ON "api_keys" FOR EACH STATEMENT EXECUTE FUNCTION stockroom_notify_change()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [...TABLES, 'api_keys']) {
      await queryRunner.query(`DROP TRIGGER stockroom_notify_change ON "${table}"`);
    }
    await queryRunner.query(`DROP FUNCTION stockroom_notify_change()`);
  }
}
