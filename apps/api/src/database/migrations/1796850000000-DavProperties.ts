import { MigrationInterface, QueryRunner } from 'typeorm';

/** WebDAV (issue 18): dead properties per item, gone with the item (a MOVE keeps the row id). */
export class DavProperties1796850000000 implements MigrationInterface {
  name = 'DavProperties1796850000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "dav_properties" (
        "item_id" bigint NOT NULL,
        "namespace" character varying(1024) NOT NULL,
        "name" character varying(255) NOT NULL,
        "value" text NOT NULL,
        CONSTRAINT "pk_dav_properties" PRIMARY KEY ("item_id", "namespace", "name")
      )`);
    await queryRunner.query(`
      ALTER TABLE "dav_properties" ADD CONSTRAINT "fk_dav_properties_item"
      FOREIGN KEY ("item_id") REFERENCES "asset_items"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "dav_properties"`);
  }
}
