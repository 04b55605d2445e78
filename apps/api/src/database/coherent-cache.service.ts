import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import pg from 'pg';
import {
  DataSource,
  EntityManager,
  EntitySubscriberInterface,
  QueryRunner,
  TransactionCommitEvent,
  TransactionRollbackEvent,
} from 'typeorm';
import { invalidateSiblings, onSiblingInvalidation } from '../cluster/worker-channel';
import {
  CacheNamespace,
  CacheScope,
  CacheTarget,
  covers,
  EVERYTHING,
  ItemKeys,
  scopesOfNotification,
} from './cache-scope';

export const DATABASE_URL = Symbol('DATABASE_URL');

/** The channel the triggers of migrations ChangeNotifications and ItemChangeNotifications notify on. */
export const CHANGE_CHANNEL = 'stockroom_changes';
const TTL_MS = 60_000;
/** Per namespace of security rows; a full namespace starts over. */
const MAX_ENTRIES = 20_000;
/**
 * Items (downloads' lookups): a few hundred bytes each, so some megabytes per worker at most; the
 * least recently used go first.
 */
const MAX_ITEMS = 25_000;
const RECONNECT_MS = 1_000;
/** Invalidations remembered for the race check of reads in flight (a read that overlapped more is not kept). */
const RECENT_INVALIDATIONS = 64;

interface Entry {
  value: unknown;
  until: number;
}

/**
 * A per-node cache of rarely-changing rows (directories, users, keys, privilege rules, asset items
 * on the download path) that stays coherent across nodes: database triggers NOTIFY what changed —
 * a table of security rows, or the items of a directory under a path (see {@link CacheScope}) — and
 * every node LISTENs and drops what that covers. While the listening connection is down, nothing is
 * cached (every read goes to the database), so a lost notification can never serve stale data. A
 * read that raced with an invalidation covering its key is not stored (generation check: so that a
 * busy upload path does not keep every download's lookup out). Entries also expire after a minute,
 * as a backstop.
 *
 * This node's own changes invalidate at once, before their answer is sent, so a caller always reads
 * its own writes: in this worker and, when the server runs several (STOCKROOM_WORKERS), in its
 * sibling workers, which acknowledge through the cluster primary ({@link invalidateEverywhere}).
 * Writes in a transaction name their scope with {@link invalidateAfterCommit}: the invalidation then
 * runs when the transaction commits, before `UnitOfWork.run` resolves.
 */
@Injectable()
export class CoherentCache implements OnModuleInit, OnApplicationShutdown, EntitySubscriberInterface {
  private readonly logger = new Logger(CoherentCache.name);
  private readonly namespaces = new Map<CacheNamespace, Map<string, Entry>>();
  private readonly items = new ItemKeys<Entry>();
  /** Scopes written by open transactions, invalidated when they commit. */
  private readonly uncommitted = new WeakMap<QueryRunner, CacheScope[]>();
  private generation = 0;
  /** The last invalidations (newest last), for {@link overlapped}. */
  private readonly recent: { generation: number; scopes: readonly CacheScope[] }[] = [];
  private client?: pg.Client;
  private listening = false;
  private stopped = false;
  private reconnectTimer?: NodeJS.Timeout;
  private readonly stopSiblingInvalidations: () => void;

  constructor(
    @Inject(DATABASE_URL) private readonly databaseUrl: string,
    dataSource: DataSource,
  ) {
    this.stopSiblingInvalidations = onSiblingInvalidation((scopes) => this.invalidate(scopes));
    dataSource.subscribers.push(this);
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

  /**
   * The cached value for `key` in `namespace`, or `load()`'s, remembered when `keep` says so
   * (default: always).
   */
  async get<T>(
    namespace: CacheNamespace,
    key: string,
    load: () => Promise<T>,
    keep: (value: T) => boolean = () => true,
  ): Promise<T> {
    if (!this.listening) return load();
    let entries = this.namespaces.get(namespace);
    const hit = entries?.get(key);
    if (hit && hit.until > Date.now()) return hit.value as T;
    const generation = this.generation;
    const value = await load();
    if (this.listening && !this.overlapped(generation, { namespace, key }) && keep(value)) {
      if (!entries) this.namespaces.set(namespace, (entries = new Map()));
      if (entries.size >= MAX_ENTRIES) entries.clear();
      entries.set(key, { value, until: Date.now() + TTL_MS });
    }
    return value;
  }

  /**
   * What `load()` says about the item at `path` (lower-cased) in the directory, cached until a
   * change to that item or to a folder above it (see {@link CacheScope}). The value must depend on
   * those rows only; keep it small.
   */
  async getItem<T>(directoryId: number, path: string, load: () => Promise<T>): Promise<T> {
    if (!this.listening) return load();
    const hit = this.items.get(directoryId, path);
    if (hit && hit.until > Date.now()) return hit.value as T;
    const generation = this.generation;
    const value = await load();
    if (this.listening && !this.overlapped(generation, { directoryId, path })) {
      this.items.set(directoryId, path, { value, until: Date.now() + TTL_MS }, MAX_ITEMS);
    }
    return value;
  }

  /** Drops what the scopes cover, here, now (default: everything). */
  invalidate(scopes: readonly CacheScope[] = [EVERYTHING]): void {
    this.generation++;
    this.recent.push({ generation: this.generation, scopes });
    if (this.recent.length > RECENT_INVALIDATIONS) this.recent.shift();
    for (const scope of scopes) {
      switch (scope.kind) {
        case 'all':
          this.namespaces.clear();
          this.items.clear();
          break;
        case 'namespace':
          this.namespaces.delete(scope.namespace);
          break;
        case 'items':
          this.items.deleteSubtree(scope.directoryId, scope.path);
          break;
      }
    }
  }

  /**
   * Drops what the scopes cover here now, and in the other workers of this server before resolving
   * (they acknowledge; a sibling that does not within a few seconds is restarted by the primary).
   * Other nodes follow through the change notifications. Call it once the change is committed.
   */
  async invalidateEverywhere(scopes: readonly CacheScope[] = [EVERYTHING]): Promise<void> {
    this.invalidate(scopes);
    await invalidateSiblings(scopes);
  }

  /**
   * For a write made through `tx`: when `tx` is in a transaction, {@link invalidateEverywhere} once it
   * commits (before the transaction's promise resolves; nothing if it rolls back); otherwise now.
   */
  async invalidateAfterCommit(tx: EntityManager, scopes: readonly CacheScope[]): Promise<void> {
    const runner = tx.queryRunner;
    if (!runner?.isTransactionActive) return this.invalidateEverywhere(scopes);
    const pending = this.uncommitted.get(runner);
    if (pending) pending.push(...scopes);
    else this.uncommitted.set(runner, [...scopes]);
  }

  /** TypeORM, after each COMMIT or RELEASE SAVEPOINT (awaited by the committer). */
  async afterTransactionCommit({ queryRunner }: TransactionCommitEvent): Promise<void> {
    if (queryRunner.isTransactionActive) return; // a savepoint: the outer transaction may still roll back
    const scopes = this.uncommitted.get(queryRunner);
    if (!scopes) return;
    this.uncommitted.delete(queryRunner);
    await this.invalidateEverywhere(scopes);
  }

  /** A rolled-back transaction changed nothing (a savepoint's rollback keeps its scopes: more is safe). */
  afterTransactionRollback({ queryRunner }: TransactionRollbackEvent): void {
    if (!queryRunner.isTransactionActive) this.uncommitted.delete(queryRunner);
  }

  /** Whether an invalidation since `generation` covers `target` (one too old to tell: assumed so). */
  private overlapped(generation: number, target: CacheTarget): boolean {
    if (this.generation - generation > this.recent.length) return true;
    for (let i = this.recent.length - 1; i >= 0 && this.recent[i].generation > generation; i--) {
      if (this.recent[i].scopes.some((scope) => covers(scope, target))) return true;
    }
    return false;
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl, connectionTimeoutMillis: 5000 });
    client.on('notification', (message) => this.invalidate(scopesOfNotification(message.payload ?? '')));
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
