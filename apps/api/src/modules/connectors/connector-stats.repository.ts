import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ConnectorStatsEntity } from './connector-stats.entity';

/** Counts to add to a directory's row, and its latest fetch and error. */
export interface StatsDelta {
  hits: number;
  misses: number;
  errors: number;
  lastFetchAt: Date | null;
  lastError: { at: Date; path: string; message: string } | null;
}

/** The only place that touches `connector_stats`. */
@Injectable()
export class ConnectorStatsRepository {
  constructor(private readonly dataSource: DataSource) {}

  find(feedId: number): Promise<ConnectorStatsEntity | null> {
    return this.dataSource.getRepository(ConnectorStatsEntity).findOneBy({ feedId });
  }

  /** Adds what a node counted; the latest fetch and error win (whichever node saw them). */
  async add(feedId: number, d: StatsDelta): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO connector_stats AS s (feed_id, hits, misses, errors, last_fetch_at, last_error_at, last_error_path,
         last_error_message)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE EXISTS (SELECT 1 FROM feeds WHERE id = $1)
       ON CONFLICT (feed_id) DO UPDATE SET hits = s.hits + EXCLUDED.hits, misses = s.misses + EXCLUDED.misses,
         errors = s.errors + EXCLUDED.errors,
         last_fetch_at = GREATEST(s.last_fetch_at, EXCLUDED.last_fetch_at),
         last_error_at = CASE WHEN EXCLUDED.last_error_at IS NOT NULL
           AND (s.last_error_at IS NULL OR EXCLUDED.last_error_at >= s.last_error_at)
           THEN EXCLUDED.last_error_at ELSE s.last_error_at END,
         last_error_path = CASE WHEN EXCLUDED.last_error_at IS NOT NULL
           AND (s.last_error_at IS NULL OR EXCLUDED.last_error_at >= s.last_error_at)
           THEN EXCLUDED.last_error_path ELSE s.last_error_path END,
         last_error_message = CASE WHEN EXCLUDED.last_error_at IS NOT NULL
           AND (s.last_error_at IS NULL OR EXCLUDED.last_error_at >= s.last_error_at)
           THEN EXCLUDED.last_error_message ELSE s.last_error_message END`,
      [
        feedId,
        d.hits,
        d.misses,
        d.errors,
        d.lastFetchAt,
        d.lastError?.at ?? null,
        d.lastError?.path ?? null,
        d.lastError?.message ?? null,
      ],
    );
  }
}
