import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { MultipartJanitorService } from '../assets/multipart-janitor.service';
import { FeedsService } from '../feeds/feeds.service';
import { dueSlot } from './retention-schedule';
import { RetentionRepository } from './retention.repository';
import { RetentionService } from './retention.service';

const TICK_MS = 30_000;
/** The maintenance job's lock (directories use their id, which starts at 1). */
const MAINTENANCE_LOCK = 0;
const DAY_MS = 86_400_000;

/**
 * Every node ticks; each tick carries on runs a stopped node left half-done and, when the
 * schedule's fire time is due, runs every directory with rules enabled, then the maintenance job
 * (abandoned chunked uploads, unknown uploads and orphan blobs in every store), then forgets
 * history older than the settings say. Locks and one row per slot make it happen once however many
 * nodes tick.
 */
@Injectable()
export class RetentionScheduler implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionScheduler.name);
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;

  constructor(
    private readonly repository: RetentionRepository,
    private readonly retention: RetentionService,
    private readonly feeds: FeedsService,
    private readonly janitor: MultipartJanitorService,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.tickSoon(), TICK_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
  }

  private tickSoon(): Promise<void> {
    this.ticking ??= this.tick()
      .catch((e) => this.logger.warn(`Retention schedule: ${(e as Error).message}`))
      .finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  /** One tick (the timer's, or a test's). */
  async tick(): Promise<void> {
    await this.retention.carryOnInterrupted();
    const now = this.clock.now();
    const settings = await this.repository.settings();
    const slot = dueSlot(settings.schedule, settings.timezone, now);
    if (!slot) return;
    for (const feed of await this.feeds.all()) {
      if (feed.retentionRulesEnabled) await this.retention.runScheduled(feed, slot);
    }
    await this.maintenance(slot);
    await this.repository.purgeHistory(new Date(now.getTime() - settings.historyDays * DAY_MS));
  }

  private async maintenance(slot: Date): Promise<void> {
    const started = await this.repository.startRun(MAINTENANCE_LOCK, {
      kind: 'maintenance',
      feedId: null,
      trigger: 'scheduled',
      dryRun: false,
      startedBy: 'scheduler',
      startedAt: this.clock.now(),
      slot,
    });
    if (typeof started === 'string') return;
    const { lock, run } = started;
    try {
      const abandonedUploads = await this.janitor.purgeAbandonedUploads();
      const leftovers = await this.janitor.removeStoreLeftovers();
      await this.repository.finishRun(run.id, leftovers.failures.length ? 'failed' : 'completed', this.clock.now(), {
        details: { abandonedUploads, unknownUploads: leftovers.uploads, orphanBlobs: leftovers.blobs },
        ...(leftovers.failures.length ? { error: leftovers.failures.join('; ') } : {}),
      });
    } catch (e) {
      await this.repository.finishRun(run.id, 'failed', this.clock.now(), { error: (e as Error).message });
    } finally {
      await lock.release();
    }
  }
}
