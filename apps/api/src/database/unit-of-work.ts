import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/**
 * An open transaction. Services get one from {@link UnitOfWork.run} and only hand it on to
 * repository methods (which run their queries in it); they never query through it themselves.
 */
export type Tx = EntityManager;

/** Explicit transactions: `run` commits when `work` resolves and rolls back when it throws. */
@Injectable()
export class UnitOfWork {
  constructor(private readonly dataSource: DataSource) {}

  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }
}
