import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { BLOB_PREFIX, DiskStorageProvider, isTempLeftover, TEMP_FILE_MAX_IDLE_MS } from '@stockroom/storage';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { FeedsService } from '../feeds/feeds.service';
import { StorageDescriptor, StorageService } from '../storage/storage.service';
import { MultipartRepository } from './multipart.repository';
import { UnitOfWork } from '../../database/unit-of-work';

const INTERVAL_MS = 10 * 60_000;
const HOUR_MS = 3_600_000;

/**
 * Cleans what clients and crashes leave behind: chunked uploads never completed (older than
 * STOCKROOM_MULTIPART_MAX_AGE_HOURS) and stale temp files, every 10 minutes; and, when the
 * retention schedule's maintenance job asks (listing whole stores costs), what stores hold that the
 * database does not know (uploads opened by a node that crashed before recording them, blobs of
 * uploads that failed and could not be removed), once older than that same age. Blob keys are unique across directories, so a blob no file of any
 * directory names is garbage — which assumes one Stockroom installation per bucket/prefix.
 * Safe on several nodes at once.
 */
@Injectable()
export class MultipartJanitorService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(MultipartJanitorService.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly unitOfWork: UnitOfWork,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly multipart: MultipartRepository,
    private readonly feeds: FeedsService,
    private readonly storage: StorageService,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => this.runSoon(), INTERVAL_MS);
    this.timer.unref();
    this.runSoon();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private runSoon(): void {
    this.running ??= this.run()
      .catch((e) => this.logger.warn(`Janitor failed: ${(e as Error).message}`))
      .finally(() => (this.running = undefined));
  }

  async run(): Promise<void> {
    await this.purgeAbandonedUploads();
    await this.removeStaleTempFiles();
  }

  /**
   * In every store in use: aborts uploads no upload row knows and deletes blobs no file, upload
   * or pending deletion names, when older than the multipart age. Returns what it removed, and
   * the stores it could not clean (the others are cleaned all the same).
   */
  async removeStoreLeftovers(
    minAgeMs = this.config.multipartMaxAgeHours * HOUR_MS,
  ): Promise<{ uploads: number; blobs: number; failures: string[] }> {
    const cutoff = Date.now() - minAgeMs;
    const removed = { uploads: 0, blobs: 0, failures: [] as string[] };
    for (const descriptor of await this.storesInUse()) {
      const provider = this.storage.providerForDescriptor(descriptor);
      try {
        for await (const upload of provider.listUploads()) {
          if (upload.startedAt.getTime() > cutoff || (await this.multipart.isKnownUpload(upload.uploadId))) continue;
          await provider.abortMultipart(upload.key ?? '', upload.uploadId);
          removed.uploads++;
        }
        let batch: string[] = [];
        const flush = async () => {
          const unreferenced = await this.multipart.unreferencedBlobs(batch);
          const queued = await this.storage.queuedForDeletion(unreferenced);
          for (const key of unreferenced.filter((k) => !queued.has(k))) {
            await provider.delete(key);
            removed.blobs++;
          }
          batch = [];
        };
        for await (const object of provider.list(BLOB_PREFIX)) {
          if (!object.modified || object.modified.getTime() > cutoff) continue;
          batch.push(object.key);
          if (batch.length >= 500) await flush();
        }
        await flush();
      } catch (e) {
        const failure = `Could not clean up ${descriptor.id} storage: ${(e as Error).message}`;
        this.logger.warn(failure);
        removed.failures.push(failure);
      }
    }
    if (removed.uploads + removed.blobs > 0) {
      this.logger.log(`Removed ${removed.uploads} unknown upload(s) and ${removed.blobs} orphan blob(s) from storage`);
    }
    return removed;
  }

  /** Each distinct store that directories (both sides of a move) and open uploads use. */
  private async storesInUse(): Promise<StorageDescriptor[]> {
    const descriptors: StorageDescriptor[] = [];
    for (const feed of await this.feeds.all()) {
      descriptors.push(this.storage.descriptorFor(feed));
      if (feed.storagePrevious) descriptors.push(feed.storagePrevious);
    }
    descriptors.push(...(await this.multipart.storages()));
    const distinct = new Map<string, StorageDescriptor>();
    for (const d of descriptors) {
      const location = this.storage.location(d);
      if (!distinct.has(location)) distinct.set(location, d);
    }
    return [...distinct.values()];
  }

  /** Aborts and forgets uploads untouched for longer than the configured age. */
  async purgeAbandonedUploads(): Promise<number> {
    const before = new Date(Date.now() - this.config.multipartMaxAgeHours * HOUR_MS);
    let purged = 0;
    for (;;) {
      const count = await this.unitOfWork.run(async (manager) => {
        const rows = await this.multipart.claimAbandoned(manager, before, 100);
        for (const row of rows) {
          const provider = this.storage.providerForDescriptor(
            row.storage ?? this.storage.descriptorFor(await this.feeds.requireById(row.feed_id)),
          );
          await provider.abortMultipart(row.blob_key, row.storage_upload_id);
          await this.multipart.delete(manager, row.id);
        }
        return rows.length;
      });
      purged += count;
      if (count < 100) break;
    }
    if (purged > 0) this.logger.log(`Purged ${purged} abandoned chunked upload(s)`);
    return purged;
  }

  /**
   * Temp files a crash left: import bodies under the data dir, half-written blobs on disk storage.
   * At start (the first run) and every run after: those of a dead process of this host at once,
   * others once untouched for an hour — other nodes may share these folders (see isTempLeftover).
   */
  private async removeStaleTempFiles(): Promise<void> {
    const tmp = join(this.config.dataDir, 'tmp');
    let removed = 0;
    for (const name of await readdir(tmp).catch(() => [] as string[])) {
      const path = join(tmp, name);
      const info = await stat(path).catch(() => undefined);
      if (info && isTempLeftover(name, info.mtimeMs, TEMP_FILE_MAX_IDLE_MS)) {
        await rm(path, { force: true, recursive: true });
        removed++;
      }
    }
    for (const feed of await this.feeds.all()) {
      const provider = this.storage.providerFor(feed);
      if (provider instanceof DiskStorageProvider) removed += await provider.cleanupStale(TEMP_FILE_MAX_IDLE_MS);
    }
    if (removed > 0) this.logger.log(`Removed ${removed} temp file(s) left by interrupted uploads or imports`);
  }
}
