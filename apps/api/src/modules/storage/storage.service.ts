import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DiskStorageProvider, StorageProvider } from '@stockroom/storage';
import { join } from 'node:path';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../../config/app-config';

/** Storage settings as ProGet shows them (`GET /api/storage?feed=X`). */
export interface StorageDescriptor {
  id: string;
  properties: Record<string, unknown>;
}

interface FeedLike {
  id: number;
  storage: Record<string, unknown> | null;
}

const SWEEP_INTERVAL_MS = 60_000;

/**
 * Resolves each directory's storage provider and reclaims the blobs of deleted/overwritten files
 * through the `blob_deletions` queue (written in the same transaction as the delete).
 */
@Injectable()
export class StorageService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(StorageService.name);
  private readonly providers = new Map<string, StorageProvider>();
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  private sweepAgain = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => this.sweepSoon(), SWEEP_INTERVAL_MS);
    this.timer.unref();
    this.sweepSoon();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  descriptorFor(feed: FeedLike): StorageDescriptor {
    if (feed.storage) return feed.storage as unknown as StorageDescriptor;
    return { id: 'disk', properties: { Path: join(this.config.dataDir, 'storage', `feed-${feed.id}`) } };
  }

  providerFor(feed: FeedLike): StorageProvider {
    return this.providerForDescriptor(this.descriptorFor(feed));
  }

  providerForDescriptor(descriptor: StorageDescriptor): StorageProvider {
    const cacheKey = JSON.stringify(descriptor);
    let provider = this.providers.get(cacheKey);
    if (!provider) {
      switch (descriptor.id) {
        case 'disk':
          provider = new DiskStorageProvider(String(descriptor.properties['Path']));
          break;
        default:
          throw new Error(`Unknown storage type "${descriptor.id}"`);
      }
      this.providers.set(cacheKey, provider);
    }
    return provider;
  }

  /** Queues blobs for removal inside the caller's transaction. */
  async enqueueDeletion(manager: EntityManager, descriptor: StorageDescriptor, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    for (let i = 0; i < keys.length; i += 1000) {
      await manager.query(`INSERT INTO blob_deletions (storage, blob_key) SELECT $1, unnest($2::text[])`, [
        JSON.stringify(descriptor),
        keys.slice(i, i + 1000),
      ]);
    }
  }

  /**
   * Starts a sweep, or asks the running one to go again (its snapshot may predate the caller's
   * deletions); never throws.
   */
  sweepSoon(): void {
    if (this.sweeping) {
      this.sweepAgain = true;
      return;
    }
    this.sweeping = (async () => {
      do {
        this.sweepAgain = false;
        await this.sweep().catch((e) => this.logger.warn(`Blob sweep failed: ${(e as Error).message}`));
      } while (this.sweepAgain);
    })().finally(() => (this.sweeping = undefined));
  }

  /** Removes queued blobs. Rows are claimed with SKIP LOCKED so several nodes can sweep at once. */
  async sweep(batchSize = 500): Promise<number> {
    let removed = 0;
    for (;;) {
      const done = await this.dataSource.transaction(async (manager) => {
        const rows: { id: string; storage: StorageDescriptor; blob_key: string }[] = await manager.query(
          `SELECT id, storage, blob_key FROM blob_deletions ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
          [batchSize],
        );
        const finished: string[] = [];
        await Promise.all(
          rows.map(async (row) => {
            try {
              await this.providerForDescriptor(row.storage).delete(row.blob_key);
              finished.push(row.id);
            } catch (e) {
              this.logger.warn(`Could not delete blob ${row.blob_key}: ${(e as Error).message}`);
            }
          }),
        );
        if (finished.length > 0) await manager.query(`DELETE FROM blob_deletions WHERE id = ANY($1)`, [finished]);
        removed += finished.length;
        return rows.length < batchSize || finished.length === 0;
      });
      if (done) return removed;
    }
  }
}
