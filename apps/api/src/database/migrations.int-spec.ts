import { createDataSource } from './data-source';
import { createTestDatabase, TestDatabase } from '../../test/support/test-database';

describe('migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('match the entities exactly (a schema change without a migration fails here)', async () => {
    const dataSource = createDataSource(db.url);
    await dataSource.initialize();
    try {
      const pending = await dataSource.driver.createSchemaBuilder().log();
      const statements = pending.upQueries.map((q) => q.query);
      expect(statements).toEqual([]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('leave nothing pending on a migrated database', async () => {
    const dataSource = createDataSource(db.url);
    await dataSource.initialize();
    try {
      expect(await dataSource.showMigrations()).toBe(false);
    } finally {
      await dataSource.destroy();
    }
  });
});
