import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AuditAction } from '@stockroom/contracts';
import { AuditFields, AuditService } from '../audit/audit.service';
import { SharesRepository } from './shares.repository';

const FLUSH_INTERVAL_MS = 1000;
/** Uses waiting while the database is away; beyond, new ones are dropped (and said so in the log). */
const MAX_PENDING_EVENTS = 100_000;

interface PendingUse {
  address: string;
  fields: AuditFields;
}

/**
 * Records share-link uses without slowing them (a link handed to a crowd must not queue every download
 * behind a write): each use's audit event, and the download count of links without a limit, wait in
 * memory and are written once a second — the events in one INSERT, the counts in one UPDATE — and at
 * shutdown. Identical uses within that second (same link, path, kind of use and address) become one
 * audit event with `details.uses`: every use is in the log, a crowd does not flood it. A failed write
 * keeps them for the next one. A link with `maxDownloads` is counted at once, atomically, in the
 * database (SharesService.countDownload): only its audit event waits here.
 */
@Injectable()
export class ShareUsageRecorder implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Shares');
  /** Uses waiting, by what makes them identical (address and fields), with how many there were. */
  private events = new Map<string, PendingUse & { uses: number }>();
  private counts = new Map<number, number>();
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private dropped = 0;

  constructor(
    private readonly repository: SharesRepository,
    private readonly audit: AuditService,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** One use of a link (audited); `count`: one more download of a link without a limit. */
  record(use: PendingUse, count?: { shareId: number }): void {
    const key = `${use.address}\0${JSON.stringify(use.fields)}`;
    const pending = this.events.get(key);
    if (pending) pending.uses++;
    else if (this.events.size < MAX_PENDING_EVENTS) this.events.set(key, { ...use, uses: 1 });
    else this.dropped++;
    if (count) this.counts.set(count.shareId, (this.counts.get(count.shareId) ?? 0) + 1);
  }

  /** Writes what is waiting; resolves once it is in the database (or kept for the next try). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.dropped > 0) {
      this.logger.warn(`${this.dropped} share-link use(s) could not be audited: too many waiting for the database.`);
      this.dropped = 0;
    }
    if (this.events.size === 0 && this.counts.size === 0) return;
    const events = this.events;
    const counts = this.counts;
    this.events = new Map();
    this.counts = new Map();
    this.flushing = this.write(events, counts)
      .catch((e) => {
        this.logger.warn(`Could not record ${events.size} share-link use(s), will retry: ${(e as Error).message}`);
        for (const [key, use] of events) {
          const pending = this.events.get(key);
          if (pending) pending.uses += use.uses;
          else if (this.events.size < MAX_PENDING_EVENTS) this.events.set(key, use);
        }
        for (const [id, n] of counts) this.counts.set(id, (this.counts.get(id) ?? 0) + n);
      })
      .finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  private async write(events: Map<string, PendingUse & { uses: number }>, counts: Map<number, number>): Promise<void> {
    await this.repository.addDownloads([...counts].map(([id, n]) => ({ id, n })));
    await this.audit.recordManyAs(
      [...events.values()].map((e) => ({
        who: { userName: null, credential: 'share-link', address: e.address },
        action: AuditAction.ShareUsed,
        fields: e.uses === 1 ? e.fields : { ...e.fields, details: { ...e.fields.details, uses: e.uses } },
      })),
    );
  }
}
