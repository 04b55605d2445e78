import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * [ext] The transactional outbox of changes (issue 20): `change_events`, written in the same
 * transaction as each change and read by the webhooks dispatcher (partial index on what it has not
 * dispatched yet). No foreign key to `feeds`: an event outlives its directory.
 */
export class ChangeEvents1797000000000 implements MigrationInterface {
  name = 'ChangeEvents1797000000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "change_events" (
        "id" uuid NOT NULL,
        "type" character varying(40) NOT NULL,
        "feed_id" integer,
        "directory" character varying(100),
        "path" text,
        "actor" character varying(200) NOT NULL,
        "item" jsonb,
        "details" jsonb NOT NULL DEFAULT '{}',
        "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "dispatched_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_change_events" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "ix_change_events_undispatched" ON "change_events" ("occurred_at") WHERE "dispatched_at" IS NULL`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "change_events"`);
  }
}
