import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Tx } from '../../database/unit-of-work';
import type { StorageDescriptor } from './storage.service';

export interface MoveRow {
  id: string;
  feed_id: number;
  state: 'copying' | 'completed' | 'failed';
  source: StorageDescriptor;
  target: StorageDescriptor;
  started_by: string;
  cursor: string;
  total_files: number;
  total_bytes: string;
  copied_files: number;
  copied_bytes: string;
  failed_files: number;
  errors: { path: string; message: string }[];
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

/** What one batch of a move's copy did (see {@link StorageMovesRepository.recordProgress}). */
export interface MoveProgress {
  cursor: string;
  files: number;
  bytes: number;
  errors: { path: string; message: string }[];
}

/**
 * The only place that touches `storage_moves`.
 *
 * Style (the storage module's): raw SQL rows. A move is a job row claimed with a lease
 * (`FOR UPDATE SKIP LOCKED`, `now() + interval`) and advanced with counters and a capped jsonb
 * error list in one statement, so that two nodes never both count a batch: none of which TypeORM's
 * entity API says.
 */
@Injectable()
export class StorageMovesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(
    tx: Tx,
    move: Pick<MoveRow, 'id' | 'feed_id' | 'source' | 'target' | 'started_by' | 'total_files' | 'total_bytes'>,
  ): Promise<MoveRow> {
    const [row]: MoveRow[] = await tx.query(
      `INSERT INTO storage_moves (id, feed_id, state, source, target, started_by, total_files, total_bytes)
       VALUES ($1, $2, 'copying', $3, $4, $5, $6, $7) RETURNING *`,
      [
        move.id,
        move.feed_id,
        JSON.stringify(move.source),
        JSON.stringify(move.target),
        move.started_by,
        move.total_files,
        move.total_bytes,
      ],
    );
    return row;
  }

  /** Points the directory's unfinished move at new settings for the same location (new credentials). */
  async retarget(tx: Tx, feedId: number, target: StorageDescriptor): Promise<void> {
    await tx.query(`UPDATE storage_moves SET target = $2 WHERE feed_id = $1 AND state <> 'completed'`, [
      feedId,
      JSON.stringify(target),
    ]);
  }

  find(id: string): Promise<MoveRow | undefined> {
    return this.dataSource.query(`SELECT * FROM storage_moves WHERE id = $1`, [id]).then((r: MoveRow[]) => r[0]);
  }

  /** The directory's moves, newest first. */
  listOfFeed(feedId: number, limit = 100): Promise<MoveRow[]> {
    return this.dataSource.query(`SELECT * FROM storage_moves WHERE feed_id = $1 ORDER BY created_at DESC LIMIT $2`, [
      feedId,
      limit,
    ]);
  }

  async unfinishedOfFeed(feedId: number): Promise<MoveRow | undefined> {
    const rows: MoveRow[] = await this.dataSource.query(
      `SELECT * FROM storage_moves WHERE feed_id = $1 AND state <> 'completed' ORDER BY created_at DESC LIMIT 1`,
      [feedId],
    );
    return rows[0];
  }

  /** A failed move back to copying from the start, lease free; undefined unless it was failed. */
  async restart(id: string): Promise<MoveRow | undefined> {
    const [rows]: [MoveRow[], number] = await this.dataSource.query(
      `UPDATE storage_moves SET state = 'copying', cursor = 0, copied_files = 0, copied_bytes = 0, failed_files = 0,
         errors = '[]', lease_owner = NULL, lease_until = NULL, finished_at = NULL, updated_at = now()
       WHERE id = $1 AND state = 'failed' RETURNING *`,
      [id],
    );
    return rows[0];
  }

  /** Leases the oldest copying move whose lease is free or ran out to `node`, for `seconds`. */
  async claim(node: string, seconds: number): Promise<MoveRow | undefined> {
    const [rows]: [MoveRow[], number] = await this.dataSource.query(
      `UPDATE storage_moves SET lease_owner = $1, lease_until = now() + make_interval(secs => $2), updated_at = now()
       WHERE id = (SELECT id FROM storage_moves
                   WHERE state = 'copying' AND (lease_until IS NULL OR lease_until < now())
                   ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [node, seconds],
    );
    return rows[0];
  }

  /**
   * Adds a batch's counts (errors kept up to `maxErrors`) and renews the lease. False when `node`
   * no longer holds the move (another node took over, or the move is gone).
   */
  async recordProgress(
    id: string,
    node: string,
    progress: MoveProgress,
    maxErrors: number,
    leaseSeconds: number,
  ): Promise<boolean> {
    const [rows]: [unknown[], number] = await this.dataSource.query(
      `UPDATE storage_moves SET cursor = $3, copied_files = copied_files + $4, copied_bytes = copied_bytes + $5,
         failed_files = failed_files + $6,
         errors = CASE WHEN jsonb_array_length(errors) >= $7 THEN errors ELSE errors || $8::jsonb END,
         lease_until = now() + make_interval(secs => $9), updated_at = now()
       WHERE id = $1 AND lease_owner = $2 AND state = 'copying' RETURNING id`,
      [
        id,
        node,
        progress.cursor,
        progress.files,
        progress.bytes,
        progress.errors.length,
        maxErrors,
        JSON.stringify(progress.errors),
        leaseSeconds,
      ],
    );
    return rows.length > 0;
  }

  /** The move, row-locked in `tx`, if `node` still holds it and it is copying. */
  async lockLeased(tx: Tx, id: string, node: string): Promise<MoveRow | undefined> {
    const rows: MoveRow[] = await tx.query(
      `SELECT * FROM storage_moves WHERE id = $1 AND lease_owner = $2 AND state = 'copying' FOR UPDATE`,
      [id, node],
    );
    return rows[0];
  }

  /** Ends the move (`completed` or `failed`) and frees its lease. */
  async finish(tx: Tx, id: string, state: 'completed' | 'failed'): Promise<void> {
    await tx.query(
      `UPDATE storage_moves SET state = $2, finished_at = now(), updated_at = now(), lease_owner = NULL,
         lease_until = NULL WHERE id = $1`,
      [id, state],
    );
  }

  /** Lets another node take `node`'s moves at once (it is shutting down). */
  async releaseLeases(node: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE storage_moves SET lease_until = now() WHERE lease_owner = $1 AND state = 'copying'`,
      [node],
    );
  }
}
