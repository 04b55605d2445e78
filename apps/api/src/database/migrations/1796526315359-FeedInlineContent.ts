import { MigrationInterface, QueryRunner } from 'typeorm';

/** [ext] `inlineContent`: whether a directory's active files (HTML, SVG…) may render inline, sandboxed. */
export class FeedInlineContent1796526315359 implements MigrationInterface {
  name = 'FeedInlineContent1796526315359';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "feeds"
            ADD "inline_content" boolean NOT NULL DEFAULT false
        `);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
            ALTER TABLE "feeds" DROP COLUMN "inline_content"
        `);
  }
}
