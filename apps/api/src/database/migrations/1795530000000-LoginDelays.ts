import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sign-in throttling becomes progressive delays per (user name, address) and per address, timed
 * from each key's last failure. The old per-name counts mean nothing under the new rule: dropped.
 */
export class LoginDelays1795530000000 implements MigrationInterface {
  name = 'LoginDelays1795530000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "login_throttle"`);
    await queryRunner.query(`ALTER TABLE "login_throttle" ADD "last_failed_at" TIMESTAMP WITH TIME ZONE NOT NULL`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "login_throttle" DROP COLUMN "last_failed_at"`);
  }
}
