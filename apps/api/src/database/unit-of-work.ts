import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { translateDatabaseError } from '../common/errors/database-errors';

/**
 * An open transaction. Services get one from {@link UnitOfWork.run} and only hand it on to
 * repository methods (which run their queries in it); they never query through it themselves.
 */
export type Tx = EntityManager;

/**
 * For the FROM list of a statement run on its own (its own implicit transaction): its commit does not
 * wait for the disk, like `run(…, { waitForFlush: false })`, without a round trip for the setting.
 */
export const WITHOUT_FLUSH_WAIT = `(SELECT set_config('synchronous_commit', 'off', true)) AS without_flush_wait`;

export interface RunOptions {
  /**
   * `false`: the commit does not wait for its WAL to reach the disk (PostgreSQL's asynchronous commit).
   * Still atomic and consistent; a database crash in the next fraction of a second may undo it. Only for
   * background bookkeeping that is redone when lost (webhook dispatch, claims and outcomes), so that
   * it does not take disk flushes from the requests' commits (see also {@link WITHOUT_FLUSH_WAIT}).
   */
  waitForFlush?: boolean;
}

/**
 * Explicit transactions: `run` commits when `work` resolves and rolls back when it throws. Errors the
 * database raises for our own rules (a quota trigger) come out as the coded errors they stand for.
 */
@Injectable()
export class UnitOfWork {
  constructor(private readonly dataSource: DataSource) {}

  run<T>(work: (tx: Tx) => Promise<T>, options: RunOptions = {}): Promise<T> {
    const body =
      options.waitForFlush === false
        ? async (tx: Tx) => {
            await tx.query('SET LOCAL synchronous_commit TO off');
            return work(tx);
          }
        : work;
    return this.dataSource.transaction(body).catch((e: unknown) => Promise.reject(translateDatabaseError(e)));
  }
}
