import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { DiskStorageProvider } from '@stockroom/storage';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { FeedsService } from '../feeds/feeds.service';
import { StorageService } from '../storage/storage.service';
import { MultipartRepository } from './multipart.repository';

const INTERVAL_MS = 10 * 60_000;
const HOUR_MS = 3_600_000;

/**
 * Cleans what clients and crashes leave behind: chunked uploads never completed (older than
 * STOCKROOM_MULTIPART_MAX_AGE_HOURS) and stale temp files. Runs at start and every 10 minutes;
 * safe on several nodes at once.
 */
@Injectable()
export class MultipartJanitorService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(MultipartJanitorService.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
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

  /** Aborts and forgets uploads untouched for longer than the configured age. */
  async purgeAbandonedUploads(): Promise<number> {
    const before = new Date(Date.now() - this.config.multipartMaxAgeHours * HOUR_MS);
    let purged = 0;
    for (;;) {
      const count = await this.multipart.transaction(async (manager) => {
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

  /** Temp files a crash left: import bodies under the data dir, half-written blobs on disk storage. */
  private async removeStaleTempFiles(): Promise<void> {
    const cutoff = Date.now() - 24 * HOUR_MS;
    const tmp = join(this.config.dataDir, 'tmp');
    for (const name of await readdir(tmp).catch(() => [] as string[])) {
      const path = join(tmp, name);
      const info = await stat(path).catch(() => undefined);
      if (info && info.mtimeMs < cutoff) await rm(path, { force: true, recursive: true });
    }
    for (const feed of await this.feeds.all()) {
      const provider = this.storage.providerFor(feed);
      if (provider instanceof DiskStorageProvider) await provider.cleanupStale(24 * HOUR_MS);
    }
  }
}
