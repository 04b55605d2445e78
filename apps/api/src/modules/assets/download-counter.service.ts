import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { AssetsRepository } from './assets.repository';

const FLUSH_INTERVAL_MS = 1000;
/** Items whose counts wait in memory when the database is away; beyond, new ones are dropped. */
const MAX_PENDING_ITEMS = 100_000;

interface Pending {
  count: number;
  last: Date;
}

/**
 * Counts downloads without slowing them: each download adds to an in-memory tally that is written
 * once a second in one UPDATE for every item downloaded meanwhile (and at shutdown). A failed
 * write keeps the tally for the next one, so counts survive a database outage (not a crash).
 */
@Injectable()
export class DownloadCounterService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(DownloadCounterService.name);
  private pending = new Map<string, Pending>();
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly items: AssetsRepository,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  record(itemId: string): void {
    if (!this.config.trackDownloads) return;
    this.add(itemId, { count: 1, last: this.clock.now() });
  }

  private add(itemId: string, more: Pending): void {
    const entry = this.pending.get(itemId);
    if (entry) {
      entry.count += more.count;
      if (more.last > entry.last) entry.last = more.last;
    } else if (this.pending.size < MAX_PENDING_ITEMS) {
      this.pending.set(itemId, more);
    }
  }

  /** Writes what has been counted so far; resolves once it is in the database (or kept for later). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = this.write(batch)
      .catch((e) => {
        this.logger.warn(`Could not record ${batch.size} item(s)' downloads, will retry: ${(e as Error).message}`);
        for (const [id, entry] of batch) this.add(id, entry);
      })
      .finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  private async write(batch: Map<string, Pending>): Promise<void> {
    await this.items.addDownloads([...batch].map(([id, entry]) => ({ id, count: entry.count, last: entry.last })));
  }
}
