import { MigrationInterface, QueryRunner } from 'typeorm';

export class Security1795504247663 implements MigrationInterface {
  name = 'Security1795504247663';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            CREATE TABLE "audit_events" (
                "id" BIGSERIAL NOT NULL,
                "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "action" character varying(40) NOT NULL,
                "user_name" character varying(200),
                "user_name_lower" character varying(200),
                "credential" character varying(20) NOT NULL,
                "address" character varying(64) NOT NULL DEFAULT '',
                "feed" character varying(100),
                "feed_lower" character varying(100),
                "target" text,
                "details" jsonb NOT NULL DEFAULT '{}',
                CONSTRAINT "PK_910f64d901a5c3e9878f0d4a407" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_audit_events_action" ON "audit_events" ("action", "id")
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_audit_events_feed" ON "audit_events" ("feed_lower", "id")
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_audit_events_user" ON "audit_events" ("user_name_lower", "id")
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_audit_events_at" ON "audit_events" ("at")
        `);
    await queryRunner.query(`
            CREATE TABLE "users" (
                "id" SERIAL NOT NULL,
                "user_name" character varying(100) NOT NULL,
                "name_lower" character varying(100) NOT NULL,
                "display_name" character varying(200) NOT NULL DEFAULT '',
                "email" character varying(320) NOT NULL DEFAULT '',
                "enabled" boolean NOT NULL DEFAULT true,
                "password_hash" character varying(200) NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "ux_users_name_lower" ON "users" ("name_lower")
        `);
    await queryRunner.query(`
            CREATE TABLE "api_keys" (
                "id" SERIAL NOT NULL,
                "type" character varying(10) NOT NULL,
                "secret_hash" bytea NOT NULL,
                "display_name" character varying(200) NOT NULL DEFAULT '',
                "description" text NOT NULL DEFAULT '',
                "system_apis" text array NOT NULL DEFAULT '{}',
                "feed_permissions" text array NOT NULL DEFAULT '{}',
                "feed_id" integer,
                "user_id" integer,
                "logging" character varying(10) NOT NULL DEFAULT 'None',
                "expires_at" TIMESTAMP WITH TIME ZONE,
                "created_by" character varying(100) NOT NULL DEFAULT '',
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "last_used_at" TIMESTAMP WITH TIME ZONE,
                "revoked_at" TIMESTAMP WITH TIME ZONE,
                CONSTRAINT "PK_5c8a79801b44bd27b79228e1dad" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "ux_api_keys_secret_hash" ON "api_keys" ("secret_hash")
        `);
    await queryRunner.query(`
            CREATE TABLE "groups" (
                "id" SERIAL NOT NULL,
                "name" character varying(100) NOT NULL,
                "name_lower" character varying(100) NOT NULL,
                "description" text NOT NULL DEFAULT '',
                CONSTRAINT "PK_659d1483316afb28afd3a90646e" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "ux_groups_name_lower" ON "groups" ("name_lower")
        `);
    await queryRunner.query(`
            CREATE TABLE "group_members" (
                "group_id" integer NOT NULL,
                "user_id" integer NOT NULL,
                CONSTRAINT "PK_f5939ee0ad233ad35e03f5c65c1" PRIMARY KEY ("group_id", "user_id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_group_members_user" ON "group_members" ("user_id")
        `);
    await queryRunner.query(`
            CREATE TABLE "login_throttle" (
                "key" character varying(200) NOT NULL,
                "failures" integer NOT NULL,
                "window_started_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                CONSTRAINT "PK_14c03bac82292a8310c54cb98d0" PRIMARY KEY ("key")
            )
        `);
    await queryRunner.query(`
            CREATE TABLE "roles" (
                "id" SERIAL NOT NULL,
                "name" character varying(100) NOT NULL,
                "name_lower" character varying(100) NOT NULL,
                "description" text NOT NULL DEFAULT '',
                "privileges" text array NOT NULL,
                "built_in" boolean NOT NULL DEFAULT false,
                CONSTRAINT "PK_c1433d71a4838793a49dcad46ab" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "ux_roles_name_lower" ON "roles" ("name_lower")
        `);
    await queryRunner.query(`
            CREATE TABLE "privilege_rules" (
                "id" SERIAL NOT NULL,
                "user_id" integer,
                "group_id" integer,
                "pseudo_group" character varying(20),
                "role_id" integer NOT NULL,
                "feed_id" integer,
                "deny" boolean NOT NULL DEFAULT false,
                CONSTRAINT "ck_privilege_rules_one_principal" CHECK (
                    num_nonnulls(user_id, group_id, pseudo_group) = 1
                ),
                CONSTRAINT "PK_1f6d11f15835aec9ffb15fb143e" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_privilege_rules_feed" ON "privilege_rules" ("feed_id")
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_privilege_rules_group" ON "privilege_rules" ("group_id")
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_privilege_rules_user" ON "privilege_rules" ("user_id")
        `);
    await queryRunner.query(`
            CREATE TABLE "sessions" (
                "id" SERIAL NOT NULL,
                "token_hash" bytea NOT NULL,
                "csrf_token" character varying(64) NOT NULL,
                "user_id" integer NOT NULL,
                "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
                "last_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL,
                "address" character varying(64) NOT NULL DEFAULT '',
                CONSTRAINT "PK_3238ef96f18b355b671619111bc" PRIMARY KEY ("id")
            )
        `);
    await queryRunner.query(`
            CREATE UNIQUE INDEX "ux_sessions_token_hash" ON "sessions" ("token_hash")
        `);
    await queryRunner.query(`
            CREATE INDEX "ix_sessions_user" ON "sessions" ("user_id")
        `);
    await queryRunner.query(`
            ALTER TABLE "api_keys"
            ADD CONSTRAINT "FK_9de87dbf5b3ec25be9081348126" FOREIGN KEY ("feed_id") REFERENCES "feeds"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "api_keys"
            ADD CONSTRAINT "FK_a3baee01d8408cd3c0f89a9a973" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "group_members"
            ADD CONSTRAINT "FK_2c840df5db52dc6b4a1b0b69c6e" FOREIGN KEY ("group_id") REFERENCES "groups"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "group_members"
            ADD CONSTRAINT "FK_20a555b299f75843aa53ff8b0ee" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "privilege_rules"
            ADD CONSTRAINT "FK_4fc7c51e4064c94dac330948188" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "privilege_rules"
            ADD CONSTRAINT "FK_08788012bc59f8ab103aac22537" FOREIGN KEY ("group_id") REFERENCES "groups"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "privilege_rules"
            ADD CONSTRAINT "FK_f283b3ea10551915c3f0c436798" FOREIGN KEY ("role_id") REFERENCES "roles"("id") ON DELETE RESTRICT ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "privilege_rules"
            ADD CONSTRAINT "FK_756c8d6467ff575a76b54ccec8d" FOREIGN KEY ("feed_id") REFERENCES "feeds"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    await queryRunner.query(`
            ALTER TABLE "sessions"
            ADD CONSTRAINT "FK_085d540d9f418cfbdc7bd55bb19" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION
        `);
    // The four built-in roles (spec §9); BUILT_IN_ROLES in the contracts must say the same.
    await queryRunner.query(`INSERT INTO "roles" ("name", "name_lower", "description", "privileges", "built_in") VALUES
            ('View & Download', 'view & download', 'Browse and download files.', '{Feeds_ViewFeed,Feeds_DownloadPackage}', true),
            ('Publish', 'publish', 'Browse, download and add files.', '{Feeds_ViewFeed,Feeds_DownloadPackage,Feeds_AddPackage}', true),
            ('Manage Feed', 'manage feed', 'Everything on a directory: files, storage, retention, permissions.', '{Feeds_ViewFeed,Feeds_DownloadPackage,Feeds_AddPackage,Feeds_OverwritePackage,Feeds_DeletePackage,Admin_ManageFeed}', true),
            ('Administer', 'administer', 'Everything, everywhere.', '{Feeds_ViewFeed,Feeds_DownloadPackage,Feeds_AddPackage,Feeds_OverwritePackage,Feeds_DeletePackage,Admin_ManageFeed,Admin_ConfigureProGet}', true)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "sessions" DROP CONSTRAINT "FK_085d540d9f418cfbdc7bd55bb19"
        `);
    await queryRunner.query(`
            ALTER TABLE "privilege_rules" DROP CONSTRAINT "FK_756c8d6467ff575a76b54ccec8d"
        `);
    await queryRunner.query(`
            ALTER TABLE "privilege_rules" DROP CONSTRAINT "FK_f283b3ea10551915c3f0c436798"
        `);
    await queryRunner.query(`
            ALTER TABLE "privilege_rules" DROP CONSTRAINT "FK_08788012bc59f8ab103aac22537"
        `);
    await queryRunner.query(`
            ALTER TABLE "privilege_rules" DROP CONSTRAINT "FK_4fc7c51e4064c94dac330948188"
        `);
    await queryRunner.query(`
            ALTER TABLE "group_members" DROP CONSTRAINT "FK_20a555b299f75843aa53ff8b0ee"
        `);
    await queryRunner.query(`
            ALTER TABLE "group_members" DROP CONSTRAINT "FK_2c840df5db52dc6b4a1b0b69c6e"
        `);
    await queryRunner.query(`
            ALTER TABLE "api_keys" DROP CONSTRAINT "FK_a3baee01d8408cd3c0f89a9a973"
        `);
    await queryRunner.query(`
            ALTER TABLE "api_keys" DROP CONSTRAINT "FK_9de87dbf5b3ec25be9081348126"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_sessions_user"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ux_sessions_token_hash"
        `);
    await queryRunner.query(`
            DROP TABLE "sessions"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_privilege_rules_user"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_privilege_rules_group"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_privilege_rules_feed"
        `);
    await queryRunner.query(`
            DROP TABLE "privilege_rules"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ux_roles_name_lower"
        `);
    await queryRunner.query(`
            DROP TABLE "roles"
        `);
    await queryRunner.query(`
            DROP TABLE "login_throttle"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_group_members_user"
        `);
    await queryRunner.query(`
            DROP TABLE "group_members"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ux_groups_name_lower"
        `);
    await queryRunner.query(`
            DROP TABLE "groups"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ux_api_keys_secret_hash"
        `);
    await queryRunner.query(`
            DROP TABLE "api_keys"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ux_users_name_lower"
        `);
    await queryRunner.query(`
            DROP TABLE "users"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_audit_events_at"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_audit_events_user"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_audit_events_feed"
        `);
    await queryRunner.query(`
            DROP INDEX "public"."ix_audit_events_action"
        `);
    await queryRunner.query(`
            DROP TABLE "audit_events"
        `);
  }
}
