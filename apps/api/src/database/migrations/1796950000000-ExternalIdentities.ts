import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Single sign-on (issue 19): where a user or a group comes from ('builtin', 'ldap', 'oidc'), the
 * external id of a user (LDAP DN, OIDC `iss|sub`; unique per source) and a user's last sign-in.
 */
export class ExternalIdentities1796950000000 implements MigrationInterface {
  name = 'ExternalIdentities1796950000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD "source" character varying(16) NOT NULL DEFAULT 'builtin'`);
    await queryRunner.query(`ALTER TABLE "users" ADD "external_id" character varying(1024)`);
    await queryRunner.query(`ALTER TABLE "users" ADD "last_sign_in_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`CREATE UNIQUE INDEX "ux_users_source_external_id" ON "users" ("source", "external_id")`);
    await queryRunner.query(`ALTER TABLE "groups" ADD "source" character varying(16) NOT NULL DEFAULT 'builtin'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "groups" DROP COLUMN "source"`);
    await queryRunner.query(`DROP INDEX "ux_users_source_external_id"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "last_sign_in_at"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "external_id"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "source"`);
  }
}
