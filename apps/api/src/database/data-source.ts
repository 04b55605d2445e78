import 'reflect-metadata';
import { DataSource, DataSourceOptions } from 'typeorm';
import { DEFAULT_POOL_MAX } from '../cluster/pool-size';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/** Set by the cluster primary for its workers: each worker's pool size. */
export const WORKER_POOL_MAX_VARIABLE = 'STOCKROOM_WORKER_POOL_MAX';

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
    // A worker of several (STOCKROOM_WORKERS) gets its share of max_connections from the primary.
    extra: { max: Number(process.env[WORKER_POOL_MAX_VARIABLE]) || DEFAULT_POOL_MAX, connectionTimeoutMillis: 5000 },
  };
}

export function createDataSource(url: string): DataSource {
  return new DataSource(dataSourceOptions(url));
}

/** For the TypeORM CLI (`npm run db:check`, `db:generate`). */
export default createDataSource(process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/stockroom_dev');
