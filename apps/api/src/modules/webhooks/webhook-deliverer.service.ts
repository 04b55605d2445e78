import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Clock } from '../../common/clock';
import { OutboundHttp } from '../../common/net/outbound-http';
import { StorageSecrets } from '../storage/storage-secrets';
import { nextAttemptAfter } from './webhook-backoff';
import { ClaimedDelivery, RecordedAttempt, WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { webhookSignature } from './webhook-signature';

/** Deliveries this node sends at once. */
const CONCURRENCY = 16;
/** Claims wait for this many free slots (one query for several deliveries), unless nothing is in flight. */
const CLAIM_AT_LEAST = 4;
const TIMEOUT_MS = 10_000;
/** Longer than any attempt takes (the timeout), so that only a crashed or hung node's claims are retaken. */
export const LEASE_MS = 60_000;
const POLL_MS = 1_000;
/** How long a wake-up waits for more deliveries to claim with it. */
const CLAIM_DELAY_MS = 50;
/** Outcomes are written together, this long's worth per statement (one commit each). */
const RECORD_DELAY_MS = 100;

/**
 * Sends due deliveries: claims them (SKIP LOCKED, with a lease), POSTs each signed body through
 * {@link OutboundHttp} (public addresses only unless an administrator saved the webhook), and records
 * the attempts; a 2xx delivers, anything else retries with back-off for a day. At-least-once: a node
 * that dies after the receiver answered but before recording it leaves the delivery to be sent again
 * when its lease ends. Runs beside requests, never in them, and costs them little: claims and
 * records are batched.
 */
@Injectable()
export class WebhookDelivererService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookDelivererService.name);
  private readonly inFlight = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private outcomes: RecordedAttempt[] = [];
  private recordTimer?: NodeJS.Timeout;
  private recording?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private pending?: NodeJS.Timeout;
  private claiming?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly http: OutboundHttp,
    private readonly secrets: StorageSecrets,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => this.wake(), POLL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.pending);
    await this.claiming;
    const pending = [...this.inFlight.values()];
    for (const f of pending) f.abort.abort();
    await Promise.all(pending.map((f) => f.done));
    await this.record();
  }

  /**
   * Claims and sends what is due, as slots allow, after CLAIM_DELAY_MS: under a stream of deliveries
   * each claim — one commit, one disk flush — takes several, not one.
   */
  wake(): void {
    if (this.stopped || this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.claimNow();
    }, CLAIM_DELAY_MS);
    this.pending.unref();
  }

  private claimNow(): void {
    if (this.stopped) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    this.claiming = this.claim()
      .catch((e) => this.logger.warn(`Claiming webhook deliveries failed: ${(e as Error).message}`))
      .finally(() => {
        this.claiming = undefined;
        if (this.again) {
          this.again = false;
          this.claimNow();
        }
      });
  }

  /**
   * How many deliveries the dispatcher may make leased to this node and hand over with {@link start}
   * (sent at once, with no claim: one statement and one row update less for each).
   */
  freeSlots(): number {
    return this.stopped ? 0 : Math.max(0, CONCURRENCY - this.inFlight.size);
  }

  private async claim(): Promise<void> {
    const free = this.freeSlots();
    if (free <= 0 || (free < CLAIM_AT_LEAST && this.inFlight.size > 0)) return;
    this.start(await this.deliveries.claimDue(this.clock.now(), LEASE_MS, randomUUID(), free));
  }

  /** Sends deliveries this node holds the lease of (or gives them back, when shutting down). */
  start(claimed: ClaimedDelivery[]): void {
    if (this.stopped) {
      for (const token of new Set(claimed.map((d) => d.leaseToken))) {
        const ids = claimed.filter((d) => d.leaseToken === token).map((d) => d.id);
        this.deliveries.release(ids, token).catch(() => undefined); // else their lease ends in a minute
      }
      return;
    }
    for (const delivery of claimed) {
      const abort = new AbortController();
      const done = this.send(delivery, abort.signal)
        .catch((e) => this.logger.warn(`Webhook delivery ${delivery.id} failed: ${(e as Error).message}`))
        .finally(() => {
          this.inFlight.delete(delivery.id);
          // A slot is free: more may be due.
          this.wake();
        });
      this.inFlight.set(delivery.id, { abort, done });
    }
  }

  private async send(delivery: ClaimedDelivery, signal: AbortSignal): Promise<void> {
    const startedAt = this.clock.now();
    const started = performance.now();
    let status: number | null = null;
    let error: string | null = null;
    try {
      const client = delivery.allowInternal ? this.http : this.http.publicOnly();
      const response = await client.request({
        method: 'POST',
        url: delivery.url,
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'Stockroom-Webhooks/1',
          'X-Stockroom-Event': delivery.eventType,
          'X-Stockroom-Delivery': delivery.eventId,
          'X-Stockroom-Signature': webhookSignature(
            this.secrets.decrypt(delivery.secret),
            Math.floor(startedAt.getTime() / 1000),
            delivery.body,
          ),
        },
        body: Buffer.from(delivery.body, 'utf8'),
        timeoutMs: TIMEOUT_MS,
        signal,
      });
      status = response.status;
      // The receiver's body is not needed (nor kept): read and dropped, so the connection can be reused.
      response.body.on('error', () => undefined);
      response.body.resume();
      if (status < 200 || status >= 300) error = `The receiver answered ${status}.`;
    } catch (e) {
      if (signal.aborted) {
        // Shutting down: not an attempt. Given back, so that any node sends it at once.
        await this.deliveries.release([delivery.id], delivery.leaseToken);
        return;
      }
      error = (e as Error).message;
    }
    const latencyMs = Math.round(performance.now() - started);
    const at = this.clock.now();
    const firstAttemptAt = delivery.firstAttemptAt ?? startedAt;
    const ok = status !== null && status >= 200 && status < 300;
    const next = ok ? null : nextAttemptAfter(delivery.attempts + 1, at, firstAttemptAt);
    this.outcomes.push({
      id: delivery.id,
      leaseToken: delivery.leaseToken,
      state: ok ? 'delivered' : next ? 'pending' : 'failed',
      firstAttemptAt,
      nextAttemptAt: next,
      status,
      at,
      latencyMs,
      error,
    });
    // The slot is free once sent: the row stays leased (nobody else takes it) until its outcome is written.
    this.recordTimer ??= setTimeout(() => void this.record(), RECORD_DELAY_MS);
  }

  /** Writes the outcomes gathered so far (one statement), after any write under way. */
  private async record(): Promise<void> {
    clearTimeout(this.recordTimer);
    this.recordTimer = undefined;
    const previous = this.recording;
    const batch = this.outcomes;
    this.outcomes = [];
    this.recording = (async () => {
      await previous;
      if (batch.length === 0) return;
      try {
        await this.deliveries.recordAttempts(batch);
      } catch (e) {
        // Not written: the leases end and the deliveries are sent again (at-least-once).
        this.logger.warn(`Recording ${batch.length} webhook attempt(s) failed: ${(e as Error).message}`);
      }
    })();
    await this.recording;
  }
}
