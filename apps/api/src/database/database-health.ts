import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The application's connection pool (node-postgres), as `GET /metrics` shows it. */
export interface PoolStats {
  /** Connections open (busy or idle). */
  total: number;
  idle: number;
  /** Queries waiting for a connection. */
  waiting: number;
  /** The most connections the pool opens. */
  max: number;
}

/** What TypeORM's PostgreSQL driver keeps as `master`: a node-postgres Pool. */
interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options?: { max?: number };
}

/** Whether the database answers (the readiness check of `GET /health`), and how its pool is used. */
@Injectable()
export class DatabaseHealth {
  constructor(private readonly dataSource: DataSource) {}

  /** Resolves when a trivial query answers within `timeoutMs`; rejects with the reason otherwise. */
  async check(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.dataSource.query('SELECT 1'),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs / 1000} s`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The pool's use right now, read from the driver (no query); undefined before it connects. */
  poolStats(): PoolStats | undefined {
    const pool = (this.dataSource.driver as { master?: Partial<PgPool> }).master;
    if (!pool || typeof pool.totalCount !== 'number') return undefined;
    return {
      total: pool.totalCount,
      idle: pool.idleCount ?? 0,
      waiting: pool.waitingCount ?? 0,
      // node-postgres' default when no `max` is set (data-source.ts sets one).
      max: pool.options?.max ?? 10,
    };
  }
}
