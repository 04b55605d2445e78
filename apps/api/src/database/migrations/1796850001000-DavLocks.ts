import { MigrationInterface, QueryRunner } from 'typeorm';

/** WebDAV (issue 18): write locks, shared by every node; bound to paths (lock-null resources included). */
export class DavLocks1796850001000 implements MigrationInterface {
  name = 'DavLocks1796850001000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "dav_locks" (
        "token" uuid NOT NULL,
        "feed_id" integer NOT NULL,
        "path" text NOT NULL,
        "path_lower" text NOT NULL,
        "exclusive" boolean NOT NULL,
        "deep" boolean NOT NULL,
        "owner_xml" text NOT NULL,
        "principal" character varying(300) NOT NULL,
        "timeout_seconds" integer NOT NULL,
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "pk_dav_locks" PRIMARY KEY ("token")
      )`);
    await queryRunner.query(`CREATE INDEX "ix_dav_locks_feed_path" ON "dav_locks" ("feed_id", "path_lower")`);
    await queryRunner.query(`
      ALTER TABLE "dav_locks" ADD CONSTRAINT "fk_dav_locks_feed"
      FOREIGN KEY ("feed_id") REFERENCES "feeds"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "dav_locks"`);
  }
}
