import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { Tx } from '../../database/unit-of-work';
import { ChangeEventEntity } from './change-event.entity';

/** The channel a commit with new events notifies (NOTIFY is delivered only when the transaction commits). */
export const CHANGE_EVENTS_CHANNEL = 'stockroom_change_events';

/** Rows per INSERT (10 parameters each). */
const ROWS_PER_INSERT = 1000;

/** The only SQL on `change_events`. */
@Injectable()
export class ChangeEventsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts in `tx` (the change's own transaction) and wakes the dispatchers once it commits. */
  async insert(tx: Tx, rows: ChangeEventEntity[]): Promise<void> {
    if (rows.length === 0) return;
    // An archive import announces every file: statements of ROWS_PER_INSERT stay under PostgreSQL's 65,535 parameters.
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
      await tx
        .getRepository(ChangeEventEntity)
        .insert(rows.slice(i, i + ROWS_PER_INSERT) as QueryDeepPartialEntity<ChangeEventEntity>[]);
    }
    await tx.query(`SELECT pg_notify($1, '')`, [CHANGE_EVENTS_CHANNEL]);
  }

  /**
   * Up to `limit` undispatched events, oldest first, row-locked for `tx` (SKIP LOCKED: several nodes
   * dispatch side by side, each taking other rows).
   */
  async claimUndispatched(tx: Tx, limit: number): Promise<ChangeEventEntity[]> {
    return tx
      .getRepository(ChangeEventEntity)
      .createQueryBuilder('e')
      .where('e.dispatched_at IS NULL')
      .orderBy('e.occurred_at', 'ASC')
      .addOrderBy('e.id', 'ASC')
      .limit(limit)
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .getMany();
  }

  async markDispatched(tx: Tx, ids: string[], at: Date): Promise<void> {
    if (ids.length === 0) return;
    await tx.getRepository(ChangeEventEntity).update(ids, { dispatchedAt: at });
  }

  async findById(id: string): Promise<ChangeEventEntity | null> {
    return this.dataSource.getRepository(ChangeEventEntity).findOneBy({ id });
  }

  /** Drops dispatched events older than `before` (their deliveries keep their own copy of the body). */
  async deleteDispatchedBefore(before: Date): Promise<number> {
    const result = await this.dataSource.query(
      `DELETE FROM change_events WHERE dispatched_at IS NOT NULL AND dispatched_at < $1`,
      [before],
    );
    return Array.isArray(result) ? Number(result[1] ?? 0) : 0;
  }
}
