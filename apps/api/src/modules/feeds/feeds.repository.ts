import { Injectable } from '@nestjs/common';
import type { StorageSettings, WritePolicy } from '@stockroom/contracts';
import { DataSource, In } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { Tx } from '../../database/unit-of-work';
import { FeedEntity } from './feed.entity';

/** A directory's quota, policy and use (feed_usage) as one read. */
export interface FeedUsageRow {
  usedBytes: number;
  quotaBytes: number | null;
  writePolicy: WritePolicy;
}

/** A directory's storage columns as locked in a transaction. */
export type FeedStorageRow = Pick<FeedEntity, 'storage' | 'storagePrevious'>;

/**
 * The only place that touches `feeds`.
 *
 * Style (the feeds module's): TypeORM's entity API on FeedEntity. A directory is one row read and
 * written whole (find, save, delete, row locks), which is what the entity API says well; the
 * services work on FeedEntity objects, so no row shapes need mapping. Other tables of a directory
 * (files, uploads, moves) are asked of their modules.
 */
@Injectable()
export class FeedsRepository {
  constructor(private readonly dataSource: DataSource) {}

  list(): Promise<FeedEntity[]> {
    return this.dataSource.getRepository(FeedEntity).find({ order: { nameLower: 'ASC' } });
  }

  findById(id: number): Promise<FeedEntity | null> {
    return this.dataSource.getRepository(FeedEntity).findOneBy({ id });
  }

  /** The names of the directories with these ids (absent: no such directory). */
  namesById(ids: readonly number[]): Promise<Pick<FeedEntity, 'id' | 'name'>[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.dataSource
      .getRepository(FeedEntity)
      .find({ select: { id: true, name: true }, where: { id: In([...ids]) } });
  }

  findByName(name: string, tx: Tx = this.dataSource.manager): Promise<FeedEntity | null> {
    return tx.getRepository(FeedEntity).findOne({ where: { nameLower: name.toLowerCase() } });
  }

  /** Inserts unless the name is taken (case-insensitively); null when it is. */
  async insert(
    values: Pick<
      FeedEntity,
      | 'name'
      | 'description'
      | 'active'
      | 'retentionRules'
      | 'retentionRulesEnabled'
      | 'retentionDryRun'
      | 'inlineContent'
      | 'writePolicy'
      | 'quotaBytes'
    > &
      Partial<Pick<FeedEntity, 'fileHistory' | 'connector'>>,
  ): Promise<FeedEntity | null> {
    const result = await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(FeedEntity)
      .values({ ...values, nameLower: values.name.toLowerCase() } as QueryDeepPartialEntity<FeedEntity>)
      .orIgnore()
      .returning(['id'])
      .execute();
    const id = (result.raw as { id: number }[])[0]?.id;
    if (id === undefined) return null;
    return this.dataSource.getRepository(FeedEntity).findOneByOrFail({ id });
  }

  save(feed: FeedEntity): Promise<FeedEntity> {
    return this.dataSource.getRepository(FeedEntity).save(feed);
  }

  /**
   * The directory's storage columns, row-locked until `tx` ends: `share` keeps a storage switch
   * out (writers), `update` keeps everyone out (the switch itself, a delete). Null: no such row.
   */
  lockStorage(tx: Tx, feedId: number, mode: 'share' | 'update'): Promise<FeedStorageRow | null> {
    return tx.getRepository(FeedEntity).findOne({
      select: { id: true, storage: true, storagePrevious: true },
      where: { id: feedId },
      lock: { mode: mode === 'share' ? 'pessimistic_read' : 'pessimistic_write' },
    });
  }

  /** Sets the storage settings (as stored) and/or where a running move's files come from. */
  async setStorage(
    tx: Tx,
    feedId: number,
    values: { storage?: StorageSettings; storagePrevious?: StorageSettings | null },
  ): Promise<void> {
    const set: Partial<Record<keyof typeof values, StorageSettings | null>> = {};
    if (values.storage !== undefined) set.storage = values.storage;
    if (values.storagePrevious !== undefined) set.storagePrevious = values.storagePrevious;
    await tx.getRepository(FeedEntity).update({ id: feedId }, set as QueryDeepPartialEntity<FeedEntity>);
  }

  // ---- feed_usage: the bytes each directory's files take, kept by triggers on asset_items ----

  /** The directory's quota and use as committed (no lock). */
  async usage(feedId: number): Promise<FeedUsageRow> {
    return this.readUsage(this.dataSource.manager, feedId, false);
  }

  /** The same, with the usage row locked until `tx` ends (writes to one directory take turns). */
  lockUsage(tx: Tx, feedId: number): Promise<FeedUsageRow> {
    return this.readUsage(tx, feedId, true);
  }

  /** The bytes each directory's files take, by id (absent directories: absent). */
  async usedBytes(feedIds: readonly number[]): Promise<Map<number, number>> {
    if (feedIds.length === 0) return new Map();
    const rows: { feed_id: number; used_bytes: string }[] = await this.dataSource.query(
      `SELECT feed_id, used_bytes FROM feed_usage WHERE feed_id = ANY($1)`,
      [[...feedIds]],
    );
    return new Map(rows.map((r) => [r.feed_id, Number(r.used_bytes)]));
  }

  private async readUsage(tx: Tx, feedId: number, lock: boolean): Promise<FeedUsageRow> {
    const rows: { used_bytes: string | null; quota_bytes: string | null; write_policy: WritePolicy }[] = await tx.query(
      `SELECT u.used_bytes, f.quota_bytes, f.write_policy FROM feeds f JOIN feed_usage u ON u.feed_id = f.id
        WHERE f.id = $1${lock ? ' FOR UPDATE OF u' : ''}`,
      [feedId],
    );
    const row = rows[0];
    return {
      usedBytes: Number(row?.used_bytes ?? 0),
      quotaBytes: row?.quota_bytes == null ? null : Number(row.quota_bytes),
      writePolicy: row?.write_policy ?? 'allow',
    };
  }

  async delete(tx: Tx, feedId: number): Promise<void> {
    await tx.delete(FeedEntity, { id: feedId });
  }
}
