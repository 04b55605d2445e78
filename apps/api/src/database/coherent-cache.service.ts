import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import pg from 'pg';
import { invalidateSiblings, onSiblingInvalidation } from '../cluster/worker-channel';

export const DATABASE_URL = Symbol('DATABASE_URL');

/** The channel the triggers of migration ChangeNotifications notify on every change to cached tables. */
export const CHANGE_CHANNEL = 'stockroom_changes';
const TTL_MS = 60_000;
const MAX_ENTRIES = 20_000;
const RECONNECT_MS = 1_000;

/**
 * A per-node cache of rarely-changing rows (directories, users, keys, privilege rules) that stays
 * coherent across nodes: database triggers NOTIFY on every change to those tables, and every
 * node LISTENs and drops its whole cache at once. While the listening connection is down, nothing
 * is cached (every read goes to the database), so a lost notification can never serve stale
 * security data. A read that raced with a change is not stored (generation check). Entries also
 * expire after a minute, as a backstop. This node's own changes invalidate at once, before their
 * answer is sent (InvalidateAfterWrites), so a caller always reads its own writes: in this worker
 * and, when the server runs several (STOCKROOM_WORKERS), in its sibling workers, which acknowledge
 * through the cluster primary before the answer goes out ({@link invalidateEverywhere}).
 */
@Injectable()
export class CoherentCache implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(CoherentCache.name);
  private readonly entries = new Map<string, { value: unknown; until: number }>();
  private generation = 0;
  private client?: pg.Client;
  private listening = false;
  private stopped = false;
  private reconnectTimer?: NodeJS.Timeout;
  private readonly stopSiblingInvalidations: () => void;

  constructor(@Inject(DATABASE_URL) private readonly databaseUrl: string) {
    this.stopSiblingInvalidations = onSiblingInvalidation(() => this.invalidate());
  }

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.stopSiblingInvalidations();
    clearTimeout(this.reconnectTimer);
    this.listening = false;
    await this.client?.end().catch(() => undefined);
  }

  /** The cached value for `key`, or `load()`'s, remembered when `keep` says so (default: always). */
  async get<T>(key: string, load: () => Promise<T>, keep: (value: T) => boolean = () => true): Promise<T> {
    if (!this.listening) return load();
    const hit = this.entries.get(key);
    if (hit && hit.until > Date.now()) return hit.value as T;
    const generation = this.generation;
    const value = await load();
    if (this.listening && generation === this.generation && keep(value)) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
      this.entries.set(key, { value, until: Date.now() + TTL_MS });
    }
    return value;
  }

  /** Drops everything now (this node's own writes need not wait for their notification). */
  invalidate(): void {
    this.generation++;
    this.entries.clear();
  }

  /**
   * Drops everything here now, and in the other workers of this server before resolving (they
   * acknowledge; a sibling that does not within a few seconds is restarted by the primary). Other
   * nodes follow through the change notifications.
   */
  async invalidateEverywhere(): Promise<void> {
    this.invalidate();
    await invalidateSiblings();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl, connectionTimeoutMillis: 5000 });
    client.on('notification', () => this.invalidate());
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch {
      this.lost(client);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.invalidate(); // whatever changed while we were not listening
    this.listening = true;
  }

  private lost(client: pg.Client): void {
    if (this.client && this.client !== client) return;
    if (this.listening) this.logger.warn('Lost the change notifications: caching is off until they are back.');
    this.client = undefined;
    this.listening = false;
    this.invalidate();
    client.end().catch(() => undefined);
    if (this.stopped || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, RECONNECT_MS);
    this.reconnectTimer.unref();
  }
}
