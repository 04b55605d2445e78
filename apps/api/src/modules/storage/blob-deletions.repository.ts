import { Injectable } from '@nestjs/common';
import type { StorageSettings } from '@stockroom/contracts';
import { DataSource } from 'typeorm';
import type { Tx } from '../../database/unit-of-work';

/** A queued blob deletion as claimed by a sweep. */
export interface BlobDeletionRow {
  id: string;
  /** The storage settings (as stored) the blob lives in. */
  storage: StorageSettings;
  blob_key: string;
}

/**
 * The only place that touches `blob_deletions`.
 *
 * Style (the storage module's): raw SQL rows. The queue is written in bulk (`unnest`), claimed with
 * `FOR UPDATE SKIP LOCKED` so several nodes sweep at once, and delayed with `now() + interval`: none
 * of which TypeORM's entity API says, so every query of the module is SQL, one style throughout.
 */
@Injectable()
export class BlobDeletionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Queues `keys` of the storage `storage` (as stored), due `delaySeconds` from now. */
  async enqueue(tx: Tx, storage: StorageSettings, keys: string[], delaySeconds = 0): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      await tx.query(
        `INSERT INTO blob_deletions (storage, blob_key, not_before)
         SELECT $1, unnest($2::text[]), now() + make_interval(secs => $3)`,
        [JSON.stringify(storage), keys.slice(i, i + 1000), delaySeconds],
      );
    }
  }

  /** Drops queued deletions of `keys` (from any storage): those blobs are in use again. */
  async cancel(tx: Tx, keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      await tx.query(`DELETE FROM blob_deletions WHERE blob_key = ANY($1::text[])`, [keys.slice(i, i + 1000)]);
    }
  }

  /** Claims up to `limit` due deletions, locked (SKIP LOCKED) until `tx` ends. */
  claimDue(tx: Tx, limit: number): Promise<BlobDeletionRow[]> {
    return tx.query(
      `SELECT id, storage, blob_key FROM blob_deletions WHERE not_before <= now()
       ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
  }

  async remove(tx: Tx, ids: string[]): Promise<void> {
    if (ids.length > 0) await tx.query(`DELETE FROM blob_deletions WHERE id = ANY($1)`, [ids]);
  }

  /** Those of `keys` that a queued deletion names. */
  async queued(keys: string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const rows: { blob_key: string }[] = await this.dataSource.query(
      `SELECT DISTINCT blob_key FROM blob_deletions WHERE blob_key = ANY($1::text[])`,
      [keys],
    );
    return new Set(rows.map((r) => r.blob_key));
  }
}
