import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * [ext] Nodes cache which changes some webhook listens to (asset changes nobody listens to are not
 * written to the outbox): a change to `webhooks` notifies them (see ChangeNotifications).
 */
export class WebhookChangeNotifications1797040000000 implements MigrationInterface {
  name = 'WebhookChangeNotifications1797040000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TRIGGER stockroom_notify_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "webhooks"
       FOR EACH STATEMENT EXECUTE FUNCTION stockroom_notify_change()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER stockroom_notify_change ON "webhooks"`);
  }
}
