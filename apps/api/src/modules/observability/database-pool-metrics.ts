import { Injectable } from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';
import { DatabaseHealth, PoolStats } from '../../database/database-health';

/** The PostgreSQL connection pool's use, read at each scrape (nothing to record in between). */
@Injectable()
export class DatabasePoolMetrics {
  constructor(registry: Registry, database: DatabaseHealth) {
    const gauge = (name: string, help: string, read: (s: PoolStats) => number) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        // Summed across worker processes (each has its own pool).
        aggregator: 'sum',
        collect() {
          const stats = database.poolStats();
          if (stats) this.set(read(stats));
        },
      });
    gauge('stockroom_db_pool_connections', 'Database connections open (busy or idle)', (s) => s.total);
    gauge('stockroom_db_pool_idle_connections', 'Database connections open and idle', (s) => s.idle);
    gauge('stockroom_db_pool_waiting_clients', 'Queries waiting for a free database connection', (s) => s.waiting);
    gauge('stockroom_db_pool_max_connections', 'The most database connections the pool opens', (s) => s.max);
  }
}
