import pg from 'pg';

/** Today's pool of one process (data-source.ts), kept as the most a worker opens. */
export const DEFAULT_POOL_MAX = 20;
/** Connections each worker opens besides its pool: the cache's LISTEN connection and the change events' one. */
export const LISTENERS_PER_WORKER = 2;
/** Left free for other clients: an operator's psql, a migration run by another node starting. */
const SPARE = 5;

export interface PoolSizing {
  /** The pool of each worker (advisory-lock sessions of the background jobs come out of it). */
  perWorker: number;
  /** What the database allows to ordinary roles. */
  available: number;
  /** False when even the smallest pools do not fit (the caller warns). */
  fits: boolean;
}

/**
 * Each worker's pool so that `workers × (pool + listeners)` fits what the database allows
 * (`max_connections` less the superuser's reserved slots and a few spare), at most today's 20 and
 * at least 2 (a request and a background job).
 */
export function poolSizing(maxConnections: number, reserved: number, workers: number): PoolSizing {
  const available = Math.max(0, maxConnections - reserved - SPARE);
  const share = Math.floor(available / workers) - LISTENERS_PER_WORKER;
  const perWorker = Math.max(2, Math.min(DEFAULT_POOL_MAX, share));
  return { perWorker, available, fits: share >= 2 };
}

/** `max_connections` and `superuser_reserved_connections` of the database the server uses. */
export async function connectionLimits(databaseUrl: string): Promise<{ maxConnections: number; reserved: number }> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const max = await client.query<{ max_connections: string }>('SHOW max_connections');
    const reserved = await client.query<{ superuser_reserved_connections: string }>(
      'SHOW superuser_reserved_connections',
    );
    return {
      maxConnections: Number(max.rows[0].max_connections),
      reserved: Number(reserved.rows[0].superuser_reserved_connections),
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}
