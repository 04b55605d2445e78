import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

export interface DavLockRow {
  token: string;
  feed_id: number;
  path: string;
  path_lower: string;
  exclusive: boolean;
  deep: boolean;
  owner_xml: string;
  principal: string;
  timeout_seconds: number;
  expires_at: Date;
}

/** `dav_locks`: expired rows are never returned, and are removed when a lock is taken. */
@Injectable()
export class DavLocksRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Active locks that bear on `lower`: on it, on an ancestor with depth infinity, on its parent
   * (membership; when `parent`), and anywhere below it (when `below`).
   */
  covering(
    feedId: number,
    lower: string,
    opts: { parent?: boolean; below?: boolean } = {},
    manager: EntityManager = this.dataSource.manager,
  ): Promise<DavLockRow[]> {
    const parentLower = lower.includes('/') ? lower.slice(0, lower.lastIndexOf('/')) : '';
    return manager.query(
      `SELECT * FROM dav_locks
        WHERE feed_id = $1 AND expires_at > now() AND (
          path_lower = $2
          OR (deep AND (path_lower = '' OR left($2, length(path_lower) + 1) = path_lower || '/'))
          OR ($3 AND $2 <> '' AND path_lower = $4)
          OR ($5 AND ($2 = '' OR left(path_lower, length($2) + 1) = $2 || '/')))`,
      [feedId, lower, opts.parent === true, parentLower, opts.below === true],
    );
  }

  async find(token: string): Promise<DavLockRow | undefined> {
    const rows: DavLockRow[] = await this.dataSource.query(
      `SELECT * FROM dav_locks WHERE token = $1 AND expires_at > now()`,
      [token],
    );
    return rows[0];
  }

  /** Runs `work` with the directory's locks serialised across nodes (taking a lock checks, then inserts). */
  withFeedLocked<T>(feedId: number, work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(8518, $1)`, [feedId]);
      await m.query(`DELETE FROM dav_locks WHERE feed_id = $1 AND expires_at <= now()`, [feedId]);
      return work(m);
    });
  }

  async insert(m: EntityManager, row: Omit<DavLockRow, 'expires_at'>): Promise<DavLockRow> {
    const [created]: DavLockRow[] = await m.query(
      `INSERT INTO dav_locks (token, feed_id, path, path_lower, exclusive, deep, owner_xml, principal, timeout_seconds, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now() + $10 * interval '1 second') RETURNING *`,
      [
        row.token,
        row.feed_id,
        row.path,
        row.path_lower,
        row.exclusive,
        row.deep,
        row.owner_xml,
        row.principal,
        row.timeout_seconds,
        row.timeout_seconds,
      ],
    );
    return created;
  }

  async refresh(token: string, timeoutSeconds: number): Promise<DavLockRow | undefined> {
    // An UPDATE … RETURNING answers [rows, count] through TypeORM.
    const [rows]: [DavLockRow[], number] = await this.dataSource.query(
      `UPDATE dav_locks SET timeout_seconds = $2, expires_at = now() + $3 * interval '1 second'
        WHERE token = $1 AND expires_at > now() RETURNING *`,
      [token, timeoutSeconds, timeoutSeconds],
    );
    return rows[0];
  }

  async delete(token: string): Promise<boolean> {
    const [, count]: [unknown[], number] = await this.dataSource.query(
      `DELETE FROM dav_locks WHERE token = $1 RETURNING token`,
      [token],
    );
    return count > 0;
  }

  /** Removes the locks on a path and below it (after a DELETE, or at a MOVE's source). */
  async deleteSubtree(feedId: number, lower: string): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM dav_locks WHERE feed_id = $1 AND ($2 = '' OR path_lower = $2 OR left(path_lower, length($2) + 1) = $2 || '/')`,
      [feedId, lower],
    );
  }
}
