import { Injectable } from '@nestjs/common';
import { DataSource, QueryRunner } from 'typeorm';
import type { Tx } from './unit-of-work';

/** Anything that opens explicit transactions: {@link UnitOfWork} (the pool) or a {@link LockedSession}. */
export interface TransactionRunner {
  run<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
}

/**
 * A connection of its own holding a PostgreSQL session advisory lock until `release` (or until the
 * connection dies, which drops the lock with it). Services only hand `session` to repository
 * methods (their queries then run on the locked connection) and open transactions on that
 * connection with `run`; they never query through it themselves.
 */
export interface LockedSession extends TransactionRunner {
  readonly session: Tx;
  release(): Promise<void>;
}

/** Session-level advisory locks (`pg_try_advisory_lock(classId, key)`), each on a connection of its own. */
@Injectable()
export class AdvisoryLocks {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The lock on a new connection, once no other session holds it (waits for it).
   */
  async lock(classId: number, key: number): Promise<LockedSession> {
    const runner: QueryRunner = this.dataSource.createQueryRunner('master');
    await runner.connect();
    try {
      await runner.query(`SELECT pg_advisory_lock($1::int, $2::int)`, [classId, key]);
    } catch (e) {
      await runner.release();
      throw e;
    }
    return held(runner, classId, key);
  }

  /** The lock on a new connection, or null (nothing held) when another session holds it. */
  async tryLock(classId: number, key: number): Promise<LockedSession | null> {
    const runner: QueryRunner = this.dataSource.createQueryRunner('master');
    await runner.connect();
    try {
      const [{ locked }] = await runner.query(`SELECT pg_try_advisory_lock($1::int, $2::int) AS locked`, [
        classId,
        key,
      ]);
      if (!locked) {
        await runner.release();
        return null;
      }
    } catch (e) {
      await runner.release();
      throw e;
    }
    return held(runner, classId, key);
  }
}

/** The session of a connection that holds the lock (classId, key). */
function held(runner: QueryRunner, classId: number, key: number): LockedSession {
  return {
    session: runner.manager,
    run: (work) => runner.manager.transaction(work),
    release: async () => {
      // A broken connection has lost the lock already; the pool drops it.
      await runner.query(`SELECT pg_advisory_unlock($1::int, $2::int)`, [classId, key]).catch(() => undefined);
      await runner.release();
    },
  };
}
