import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { translateDatabaseError } from '../common/errors/database-errors';

/**
 * An open transaction. Services get one from {@link UnitOfWork.run} and only hand it on to
 * repository methods (which run their queries in it); they never query through it themselves.
 */
export type Tx = EntityManager;

/**
 * Explicit transactions: `run` commits when `work` resolves and rolls back when it throws. Errors the
 * database raises for our own rules (a quota trigger) come out as the coded errors they stand for.
 */
@Injectable()
export class UnitOfWork {
  constructor(private readonly dataSource: DataSource) {}

  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work).catch((e: unknown) => Promise.reject(translateDatabaseError(e)));
  }
}
