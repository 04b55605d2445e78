import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * [ext] Share links (issue 18): `shares`, one row per link, and the `Feeds_ShareAsset` privilege in the
 * built-in Manage Feed and Administer roles (BUILT_IN_ROLES in the contracts says the same).
 *
 * The token is never stored: only its SHA-256 (`token_hash`, unique, the lookup key). A link is bound
 * to the item it was made for: `item_id` is the file's or folder's id at `path_lower` when it was made
 * (null for a whole directory); once another item (or none) is there, the link has ended. Changes
 * other than download counts notify every node (ChangeNotifications), which cache unlimited links.
 */
export class Shares1796900000000 implements MigrationInterface {
  name = 'Shares1796900000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "shares" (
        "id" SERIAL NOT NULL,
        "feed_id" integer NOT NULL,
        "path" text NOT NULL,
        "path_lower" text COLLATE "C" NOT NULL,
        "item_id" bigint,
        "kind" character varying(6) NOT NULL,
        "token_hash" bytea NOT NULL,
        "created_by" character varying(200) NOT NULL,
        "created_by_key" character varying(60) NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "max_downloads" integer,
        "downloads" integer NOT NULL DEFAULT 0,
        "password_hash" text,
        "revoked_at" TIMESTAMP WITH TIME ZONE,
        "ended_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_shares" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "ux_shares_token_hash" ON "shares" ("token_hash")`);
    await queryRunner.query(`CREATE INDEX "ix_shares_feed" ON "shares" ("feed_id", "id")`);
    await queryRunner.query(`
      ALTER TABLE "shares"
      ADD CONSTRAINT "FK_shares_feed" FOREIGN KEY ("feed_id") REFERENCES "feeds"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    // Nodes cache links without a download limit (CoherentCache namespace `share`): what makes one stale
    // notifies every node (a download count does not: it is counted in the database).
    await queryRunner.query(`
      CREATE TRIGGER stockroom_notify_change AFTER DELETE OR TRUNCATE
        OR UPDATE OF token_hash, feed_id, path, path_lower, item_id, kind, expires_at, max_downloads, password_hash,
                     revoked_at, ended_at
        ON "shares" FOR EACH STATEMENT EXECUTE FUNCTION stockroom_notify_change()`);
    await queryRunner.query(`
      UPDATE "roles" SET "privileges" = array_append("privileges", 'Feeds_ShareAsset')
       WHERE "built_in" AND "name_lower" IN ('manage feed', 'administer')
         AND NOT ('Feeds_ShareAsset' = ANY("privileges"))`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`UPDATE "roles" SET "privileges" = array_remove("privileges", 'Feeds_ShareAsset')`);
    await queryRunner.query(`DROP TABLE "shares"`);
  }
}
