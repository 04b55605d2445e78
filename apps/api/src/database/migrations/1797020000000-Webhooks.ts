import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * [ext] Webhooks (issue 20): `webhooks` (secret encrypted at rest), `webhook_deliveries` (one event for
 * one webhook, its body as sent, state, back-off and the lease of the node sending it) and
 * `webhook_attempts` (each try: status, latency, error). Deliveries are made from `change_events`.
 */
export class Webhooks1797020000000 implements MigrationInterface {
  name = 'Webhooks1797020000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "webhooks" (
        "id" uuid NOT NULL,
        "url" text NOT NULL,
        "events" character varying(40) array NOT NULL,
        "feed_id" integer,
        "secret" text NOT NULL,
        "active" boolean NOT NULL DEFAULT true,
        "allow_internal" boolean NOT NULL DEFAULT false,
        "created_by" character varying(200) NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "PK_webhooks" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(`CREATE INDEX "ix_webhooks_feed" ON "webhooks" ("feed_id")`);
    await queryRunner.query(`
      ALTER TABLE "webhooks"
      ADD CONSTRAINT "FK_webhooks_feed" FOREIGN KEY ("feed_id") REFERENCES "feeds"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`
      CREATE TABLE "webhook_deliveries" (
        "id" BIGSERIAL NOT NULL,
        "webhook_id" uuid NOT NULL,
        "event_id" uuid NOT NULL,
        "event_type" character varying(40) NOT NULL,
        "body" text NOT NULL,
        "state" character varying(10) NOT NULL DEFAULT 'pending',
        "attempts" integer NOT NULL DEFAULT 0,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "first_attempt_at" TIMESTAMP WITH TIME ZONE,
        "next_attempt_at" TIMESTAMP WITH TIME ZONE,
        "lease_token" uuid,
        "lease_until" TIMESTAMP WITH TIME ZONE,
        "last_status" integer,
        "last_attempt_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_webhook_deliveries" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "ix_webhook_deliveries_due" ON "webhook_deliveries" ("next_attempt_at") WHERE "state" = 'pending'`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_webhook_deliveries_webhook" ON "webhook_deliveries" ("webhook_id", "id")`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_webhook_deliveries_event" ON "webhook_deliveries" ("webhook_id", "event_id")`,
    );
    await queryRunner.query(`
      ALTER TABLE "webhook_deliveries"
      ADD CONSTRAINT "FK_webhook_deliveries_webhook" FOREIGN KEY ("webhook_id") REFERENCES "webhooks"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`
      CREATE TABLE "webhook_attempts" (
        "id" BIGSERIAL NOT NULL,
        "delivery_id" bigint NOT NULL,
        "at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "status" integer,
        "latency_ms" integer NOT NULL,
        "error" text,
        CONSTRAINT "PK_webhook_attempts" PRIMARY KEY ("id")
      )`);
    await queryRunner.query(`CREATE INDEX "ix_webhook_attempts_delivery" ON "webhook_attempts" ("delivery_id", "id")`);
    await queryRunner.query(`
      ALTER TABLE "webhook_attempts"
      ADD CONSTRAINT "FK_webhook_attempts_delivery" FOREIGN KEY ("delivery_id") REFERENCES "webhook_deliveries"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "webhook_attempts"`);
    await queryRunner.query(`DROP TABLE "webhook_deliveries"`);
    await queryRunner.query(`DROP TABLE "webhooks"`);
  }
}
