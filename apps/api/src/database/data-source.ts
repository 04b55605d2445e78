import 'reflect-metadata';
import { DataSource, DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/** The one DataSource definition, used by the app, the tests and the TypeORM CLI. */
export function dataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    // node-postgres pool: fail fast when the database is unreachable rather than hang a request.
    extra: { max: 20, connectionTimeoutMillis: 5000 },
  };
}

export function createDataSource(url: string): DataSource {
  return new DataSource(dataSourceOptions(url));
}

/** For the TypeORM CLI (`npm run db:check`, `db:generate`). */
export default createDataSource(process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/stockroom_dev');
