import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '../../test/support/test-database';
import { createDataSource } from './data-source';
import { DirectoryPolicies1796700000000 } from './migrations/1796700000000-DirectoryPolicies';
import { VersionUsage1796800000000 } from './migrations/1796800000000-VersionUsage';

/**
 * The per-directory use that quotas are checked against (DirectoryPolicies migration): kept by
 * statement-level triggers whatever writes `asset_items` — set-based statements of any size, moves of
 * rows between directories —, backfilled for directories that held files before the migration, and
 * refusing (SQLSTATE SRQ01) a statement that takes a directory past its quota.
 */
describe('feed_usage (PostgreSQL triggers)', () => {
  let db: TestDatabase;
  let sql: Client;
  const used = async (feed: number) =>
    Number((await sql.query(`SELECT used_bytes FROM feed_usage WHERE feed_id = $1`, [feed])).rows[0]?.used_bytes);
  const newFeed = async (name: string, quota: number | null = null): Promise<number> =>
    (
      await sql.query(
        `INSERT INTO feeds (name, name_lower, quota_bytes) VALUES ($1::varchar, lower($1::varchar), $2) RETURNING id`,
        [name, quota],
      )
    ).rows[0].id;
  /** `count` files of `size` bytes under `folder/`, in one statement. */
  const addFiles = (feed: number, folder: string, count: number, size: number) =>
    sql.query(
      `INSERT INTO asset_items (feed_id, path, path_lower, parent_lower, name, name_lower, kind, size, created_at, modified_at)
       SELECT $1, $2 || '/f' || i, $2 || '/f' || i, $2, 'f' || i, 'f' || i, 'file', $4, now(), now()
         FROM generate_series(1, $3::int) i`,
      [feed, folder, count, size],
    );

  /** `count` kept versions of `size` bytes of the files `folder/f1…`, in one statement. */
  const addVersions = (feed: number, folder: string, count: number, size: number) =>
    sql.query(
      `INSERT INTO asset_versions (feed_id, path, path_lower, version, blob_key, size, modified_at, replaced_at)
       SELECT $1, $2 || '/f' || i, $2 || '/f' || i, 1, 'blob-' || $2 || i, $4, now(), now()
         FROM generate_series(1, $3::int) i`,
      [feed, folder, count, size],
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  });
  afterAll(async () => {
    await sql?.end();
    await db?.drop();
  });

  it('counts files (not folders) on insert, update and delete, one statement at a time', async () => {
    const a = await newFeed('usage-a');
    expect(await used(a)).toBe(0);
    await sql.query(
      `INSERT INTO asset_items (feed_id, path, path_lower, parent_lower, name, name_lower, kind, created_at, modified_at)
       VALUES ($1, 'big', 'big', '', 'big', 'big', 'dir', now(), now())`,
      [a],
    );
    await addFiles(a, 'big', 10_000, 7);
    expect(await used(a)).toBe(70_000);
    // f1, f10-f19, f100-f199, f1000-f1999 and f10000: 1,112 files.
    await sql.query(`UPDATE asset_items SET size = size * 2 WHERE feed_id = $1 AND name_lower LIKE 'f1%'`, [a]);
    expect(await used(a)).toBe(70_000 + 7 * 1112);
    // Download counts (and other columns) leave the use alone.
    await sql.query(`UPDATE asset_items SET download_count = download_count + 1 WHERE feed_id = $1`, [a]);
    expect(await used(a)).toBe(70_000 + 7 * 1112);
    await sql.query(`DELETE FROM asset_items WHERE feed_id = $1 AND name_lower LIKE 'f1%'`, [a]);
    expect(await used(a)).toBe(7 * (10_000 - 1112));
  });

  it('follows rows moved to another directory in one statement', async () => {
    const from = await newFeed('usage-from');
    const to = await newFeed('usage-to');
    await addFiles(from, 'x', 1000, 3);
    await sql.query(`UPDATE asset_items SET feed_id = $2 WHERE feed_id = $1`, [from, to]);
    expect([await used(from), await used(to)]).toEqual([0, 3000]);
  });

  it('refuses a statement that grows a directory past its quota, and none that shrinks it', async () => {
    const q = await newFeed('usage-quota', 1000);
    await addFiles(q, 'a', 10, 100);
    await expect(addFiles(q, 'b', 1, 1)).rejects.toMatchObject({
      code: 'SRQ01',
      message:
        'Asset directory "usage-quota" would exceed its quota: 1 more bytes, with 1000 of its 1000 bytes in use.',
    });
    expect(await used(q)).toBe(1000);
    await sql.query(`UPDATE feeds SET quota_bytes = 10 WHERE id = $1`, [q]);
    await sql.query(`UPDATE asset_items SET size = 50 WHERE feed_id = $1`, [q]); // smaller: allowed
    expect(await used(q)).toBe(500);
  });

  it('counts kept versions: recorded, moved to another directory, dropped (VersionUsage)', async () => {
    const v = await newFeed('usage-versions');
    const w = await newFeed('usage-versions-to');
    await addVersions(v, 'h', 100, 5);
    expect(await used(v)).toBe(500);
    // f1, f10-f19 and f100: 12 versions follow their files to another directory in one statement.
    await sql.query(`UPDATE asset_versions SET feed_id = $2 WHERE feed_id = $1 AND path_lower LIKE 'h/f1%'`, [v, w]);
    expect([await used(v), await used(w)]).toEqual([440, 60]);
    await sql.query(`UPDATE asset_versions SET version = version + 1 WHERE feed_id = $1`, [v]); // sizes unchanged
    await sql.query(`DELETE FROM asset_versions WHERE feed_id = $1`, [v]);
    expect([await used(v), await used(w)]).toEqual([0, 60]);
  });

  it('refuses a transaction that leaves a directory over its quota with more than it found; a delete into a version passes', async () => {
    const q = await newFeed('usage-history', 1000);
    await addFiles(q, 'a', 1, 600);
    // An overwrite with history: the file row gets the new 500 bytes, the old 600 become a version.
    await sql.query('BEGIN');
    await sql.query(`UPDATE asset_items SET size = 500 WHERE feed_id = $1 AND kind = 'file'`, [q]);
    await expect(addVersions(q, 'a', 1, 600)).rejects.toMatchObject({
      code: 'SRQ01',
      message:
        'Asset directory "usage-history" would exceed its quota: 500 more bytes, with 600 of its 1000 bytes in use.',
    });
    await sql.query('ROLLBACK');
    expect(await used(q)).toBe(600);
    // One that fits: 600 kept + 400 new = 1000.
    await sql.query('BEGIN');
    await sql.query(`UPDATE asset_items SET size = 400 WHERE feed_id = $1 AND kind = 'file'`, [q]);
    await addVersions(q, 'a', 1, 600);
    await sql.query('COMMIT');
    expect(await used(q)).toBe(1000);
    // Under a quota lowered below the use, a delete that keeps the file as a version (net zero) passes…
    await sql.query(`UPDATE feeds SET quota_bytes = 100 WHERE id = $1`, [q]);
    await sql.query('BEGIN');
    await sql.query(`DELETE FROM asset_items WHERE feed_id = $1 AND kind = 'file'`, [q]);
    await sql.query(
      `INSERT INTO asset_versions (feed_id, path, path_lower, version, blob_key, size, modified_at, replaced_at, deleted)
       VALUES ($1, 'a/f1', 'a/f1', 2, 'blob-a1-2', 400, now(), now(), true)`,
      [q],
    );
    await sql.query('COMMIT');
    expect(await used(q)).toBe(1000);
    // …and so does dropping versions; a version that adds bytes does not.
    await sql.query(`DELETE FROM asset_versions WHERE feed_id = $1 AND version = 1`, [q]);
    expect(await used(q)).toBe(400);
    await expect(addVersions(q, 'b', 1, 1)).rejects.toMatchObject({ code: 'SRQ01' });
    expect(await used(q)).toBe(400);
  });

  it('the VersionUsage migration backfills the versions kept before it', async () => {
    const b = await newFeed('usage-older-versions');
    await addFiles(b, 'x', 2, 10);
    const dataSource = createDataSource(db.url);
    await dataSource.initialize();
    const runner = dataSource.createQueryRunner();
    const migration = new VersionUsage1796800000000();
    try {
      await migration.down(runner);
      expect(await used(b)).toBe(20);
      await addVersions(b, 'x', 3, 7); // not counted: no trigger
      expect(await used(b)).toBe(20);
      await migration.up(runner);
      expect(await used(b)).toBe(41);
      await addVersions(b, 'y', 1, 9); // counted again
      expect(await used(b)).toBe(50);
    } finally {
      await runner.release();
      await dataSource.destroy();
    }
  });

  it('the migration backfills directories that held files before it', async () => {
    const dataSource = createDataSource(db.url);
    await dataSource.initialize();
    const runner = dataSource.createQueryRunner();
    const migration = new DirectoryPolicies1796700000000();
    try {
      await migration.down(runner);
      const b = (await sql.query(`INSERT INTO feeds (name, name_lower) VALUES ('older', 'older') RETURNING id`)).rows[0]
        .id as number;
      await sql.query(
        `INSERT INTO asset_items (feed_id, path, path_lower, parent_lower, name, name_lower, kind, size, created_at, modified_at)
         VALUES ($1, 'one', 'one', '', 'one', 'one', 'file', 11, now(), now()),
                ($1, 'two', 'two', '', 'two', 'two', 'file', 31, now(), now())`,
        [b],
      );
      await migration.up(runner);
      expect(await used(b)).toBe(42);
    } finally {
      await runner.release();
      await dataSource.destroy();
    }
  });
});
