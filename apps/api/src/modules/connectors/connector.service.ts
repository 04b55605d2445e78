import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import {
  type AssetItem,
  type ConnectorSettings,
  type ConnectorStatus,
  encodePath,
  ErrorCode,
  Privilege,
} from '@stockroom/contracts';
import { LRUCache } from 'lru-cache';
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Principal } from '../../common/auth/principal';
import { Clock } from '../../common/clock';
import { AppError, badRequest } from '../../common/errors/app-error';
import {
  OutboundHttp,
  type OutboundRequest,
  OutboundRequestError,
  type OutboundResponse,
} from '../../common/net/outbound-http';

type IncomingHttpHeaders = OutboundResponse['headers'];
type OutgoingHttpHeaders = NonNullable<OutboundRequest['headers']>;
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { AdvisoryLocks } from '../../database/advisory-locks';
import { AssetDownloadService } from '../assets/asset-download.service';
import { AssetUploadService } from '../assets/asset-upload.service';
import type { ItemPath } from '../assets/assets.repository';
import { resolveMediaType } from '../assets/media-type';
import type { UpstreamAnswer, UpstreamSource } from '../assets/upstream-source';
import { ChangeEventsService } from '../events/change-events.service';
import { maskConnector } from '../feeds/connector-settings';
import type { FeedEntity } from '../feeds/feed.entity';
import { FeedsService } from '../feeds/feeds.service';
import { ConnectorCacheRepository } from './connector-cache.repository';
import { ConnectorStatsRepository, type StatsDelta } from './connector-stats.repository';
import { SharedFetch } from './shared-fetch';

/** First key of the connectors' advisory locks ('CON1'); the second is a hash of directory and path. */
const LOCK_CLASS = 0x434f4e31;
const FLUSH_INTERVAL_MS = 1000;
const MAX_REDIRECTS = 5;
/** The most of an upstream's `dir/` answer that is read (a listing larger than this is refused). */
const MAX_LISTING_BYTES = 16 * 1024 * 1024;
/** The most of an upstream's error body quoted in ours. */
const MAX_ERROR_TEXT = 300;
/** Spool folders of processes that stopped without cleaning up are removed after this long. */
const STALE_SPOOL_MS = 24 * 3600_000;
/**
 * Fetches of different files one process runs at once. Each holds a database connection for its
 * advisory lock while it runs (and its store needs another one, briefly): a bound well below the
 * pool's size keeps a burst of distinct misses from taking every connection. More wait their turn.
 */
const MAX_RUNNING_FETCHES = 8;

/** What a fetch is for: a file the directory lacks, or a cached one whose cache time is over. */
type Job =
  | { mode: 'create'; feed: FeedEntity; path: ItemPath; connector: ConnectorSettings }
  | {
      mode: 'revalidate';
      feed: FeedEntity;
      path: ItemPath;
      connector: ConnectorSettings;
      cached: { sha1: string; etag: string | null; lastModified: string | null };
    };

const key = (feedId: number, path: ItemPath) => `${feedId}\0${path.lower}`;

function lockKey(feedId: number, path: ItemPath): number {
  return createHash('sha1').update(key(feedId, path)).digest().readInt32BE(0);
}

function contentLength(headers: IncomingHttpHeaders): number | undefined {
  const raw = headers['content-length'];
  if (raw === undefined || !/^\d{1,16}$/.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : undefined;
}

function httpDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : new Date(t);
}

/** A name from another server's listing that is safe to show and to fetch here. */
function safeName(name: unknown): name is string {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    name.length <= 255 &&
    name !== '.' &&
    name !== '..' &&
    // eslint-disable-next-line no-control-regex
    !/[/\\\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(name) &&
    name.trim() === name
  );
}

const HEX = { md5: 32, sha1: 40, sha256: 64, sha512: 128 } as const;

/**
 * [ext] Connectors (issue 20): a directory's pull-through proxy. A file the directory lacks is
 * fetched from its upstream once — concurrent requests of this process share one fetch and read its
 * bytes as they arrive (SharedFetch), other nodes wait on a PostgreSQL advisory lock per directory
 * and path and then serve what was stored — and stored through the upload write path (hashes,
 * limits, quota, one transaction). After `cacheMinutes` a request revalidates it (If-None-Match /
 * If-Modified-Since); an upstream that is down, or `offline`, leaves cached files served and missing
 * ones 502/504. Local files shadow the upstream: a file whose content is not what the connector
 * stored is never revalidated or replaced.
 */
@Injectable()
export class ConnectorService implements UpstreamSource, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Connectors');
  private readonly fetches = new Map<string, SharedFetch>();
  /** Files known fresh (or local) until a time, by directory and path: most requests ask no database. */
  private readonly freshUntil = new LRUCache<string, { sha1: string; until: number }>({ max: 100_000 });
  private pending = new Map<number, StatsDelta>();
  private readonly slots = new Slots(MAX_RUNNING_FETCHES);
  private timer?: NodeJS.Timeout;
  private flushing?: Promise<void>;
  private readonly spoolDir: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly feeds: FeedsService,
    private readonly downloads: AssetDownloadService,
    private readonly uploads: AssetUploadService,
    private readonly http: OutboundHttp,
    private readonly locks: AdvisoryLocks,
    private readonly cache: ConnectorCacheRepository,
    private readonly stats: ConnectorStatsRepository,
    private readonly events: ChangeEventsService,
    private readonly clock: Clock,
  ) {
    // One folder per process: nodes may share the data folder.
    this.spoolDir = join(config.dataDir, 'tmp', 'connector-spool', randomUUID());
  }

  async onModuleInit(): Promise<void> {
    await mkdir(this.spoolDir, { recursive: true });
    // What crashed processes left is of no use (a fetch that stopped starts over): gone after a day.
    const parent = dirname(this.spoolDir);
    for (const name of await readdir(parent).catch(() => [] as string[])) {
      const dir = join(parent, name);
      const info = await stat(dir).catch(() => undefined);
      if (info && Date.now() - info.mtimeMs > STALE_SPOOL_MS) await rm(dir, { recursive: true, force: true });
    }
    this.downloads.useUpstream(this);
    // A new upstream owes nothing to what the old one said (validators, 404s): the fetched files
    // stay, and are fetched again from the new one (unconditionally) once their cache time is over.
    this.feeds.onConnectorChange(async (feedId) => {
      await this.cache.forgetUpstream(feedId);
      this.freshUntil.clear();
    });
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    await rm(this.spoolDir, { recursive: true, force: true });
  }

  // ---- UpstreamSource ----

  async missing(feed: FeedEntity, path: ItemPath, head: boolean): Promise<UpstreamAnswer> {
    const connector = this.connectorOf(feed);
    this.count(feed.id, { misses: 1 });
    const entry = await this.cache.find(feed.id, path.lower);
    const now = this.clock.now();
    if (entry && entry.sha1 === null && entry.missingUntil && entry.missingUntil > now)
      throw new AppError(ErrorCode.NotFound, `"${path.path}" was not found (here or upstream).`);
    if (connector.offline)
      throw new AppError(
        ErrorCode.BadGateway,
        `"${path.path}" is not cached, and the connector of asset directory "${feed.name}" is offline.`,
      );
    if (head) return this.head(feed, path, connector);

    const fetch = this.join({ mode: 'create', feed, path, connector });
    await fetch.ready;
    if (fetch.state === 'failed') throw fetch.error;
    if (fetch.state === 'done') return { kind: 'stored' };
    const reader = await fetch.reader();
    if (!reader) {
      // Over between the two awaits.
      if ((fetch.state as string) === 'done') return { kind: 'stored' };
      throw fetch.error;
    }
    return {
      kind: 'live',
      file: {
        size: fetch.total ?? -1,
        mediaType: fetch.mediaType,
        lastModified: fetch.lastModified,
        open: async () => reader,
        stored: fetch.stored,
      },
    };
  }

  async present(feed: FeedEntity, path: ItemPath, sha1: string, head: boolean): Promise<'serve' | 'reload'> {
    this.count(feed.id, { hits: 1 });
    const connector = feed.connector;
    if (!connector || connector.offline || head) return 'serve';
    const k = key(feed.id, path);
    const now = this.clock.now().getTime();
    const known = this.freshUntil.get(k);
    if (known && known.sha1 === sha1 && known.until > now) return 'serve';
    const entry = await this.cache.find(feed.id, path.lower);
    const cacheMs = connector.cacheMinutes * 60_000;
    if (!entry || entry.sha1 !== sha1) {
      // A local file (uploaded here, or over a fetched one): the upstream has no say.
      this.freshUntil.set(k, { sha1, until: now + Math.min(cacheMs, 60_000) });
      return 'serve';
    }
    const until = entry.validatedAt.getTime() + cacheMs;
    if (until > now) {
      this.freshUntil.set(k, { sha1, until });
      return 'serve';
    }
    const fetch = this.join({
      mode: 'revalidate',
      feed,
      path,
      connector: this.connectorOf(feed),
      cached: { sha1, etag: entry.etag, lastModified: entry.lastModified },
    });
    // A revalidation is answered once it is over: 304 (or an upstream that failed) serves the
    // cached file; a new content is served once stored.
    while (!fetch.over) await fetch.changed();
    this.freshUntil.delete(k);
    return (fetch.state as string) === 'done' && (await this.downloads.storedSha1(feed.id, path)) !== sha1
      ? 'reload'
      : 'serve';
  }

  async list(feed: FeedEntity, path: ItemPath, contentBase: string): Promise<AssetItem[]> {
    const connector = this.connectorOf(feed);
    if (connector.type !== 'stockroom')
      throw badRequest(
        '"upstream=true" lists the folders of a "stockroom" connector only: an "http" upstream has no listing.',
      );
    if (connector.offline)
      throw new AppError(ErrorCode.BadGateway, `The connector of asset directory "${feed.name}" is offline.`);
    const url = `${connector.url}dir/${encodePath(path.path)}`;
    let response: OutboundResponse;
    try {
      response = await this.http.request({
        url,
        headers: { ...this.credentials(connector), accept: 'application/json' },
        timeoutMs: connector.timeoutSeconds * 1000,
        maxRedirects: MAX_REDIRECTS,
      });
    } catch (e) {
      throw this.outboundFailure(e);
    }
    if (response.status !== 200) {
      const text = await errorText(response.body);
      throw new AppError(
        ErrorCode.BadGateway,
        `The upstream answered ${response.status} to its listing${text ? `: ${text}` : ''}.`,
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse((await readAtMost(response.body, MAX_LISTING_BYTES)).toString('utf8'));
    } catch (e) {
      throw new AppError(ErrorCode.BadGateway, `The upstream's listing is not usable: ${(e as Error).message}`);
    }
    if (!Array.isArray(parsed)) throw new AppError(ErrorCode.BadGateway, "The upstream's listing is not a JSON array.");
    return parsed.flatMap((raw) => {
      const item = upstreamItem(raw, path, contentBase);
      return item ? [item] : [];
    });
  }

  // ---- status ----

  async status(actor: Principal, feedName: string): Promise<ConnectorStatus> {
    const feed = await this.feeds.requireFor(actor, Privilege.ManageFeed, feedName);
    await this.flush();
    const [row, totals] = await Promise.all([this.stats.find(feed.id), this.cache.totals(feed.id)]);
    const hits = row?.hits ?? 0;
    const misses = row?.misses ?? 0;
    return {
      feed: feed.name,
      connector: feed.connector ? maskConnector(feed.connector) : null,
      cachedFiles: totals.files,
      cachedBytes: totals.bytes,
      hits,
      misses,
      hitRate: hits + misses === 0 ? 0 : hits / (hits + misses),
      errors: row?.errors ?? 0,
      lastFetchAt: row?.lastFetchAt?.toISOString() ?? null,
      lastError:
        row?.lastErrorAt && row.lastErrorPath !== null
          ? { at: row.lastErrorAt.toISOString(), path: row.lastErrorPath, message: row.lastErrorMessage ?? '' }
          : null,
    };
  }

  // ---- fetching ----

  /** The fetch of this file running in this process, or a new one. */
  private join(job: Job): SharedFetch {
    const k = key(job.feed.id, job.path);
    const running = this.fetches.get(k);
    if (running) return running;
    const fetch = new SharedFetch();
    this.fetches.set(k, fetch);
    void this.run(fetch, job).finally(() => {
      if (this.fetches.get(k) === fetch) this.fetches.delete(k);
    });
    return fetch;
  }

  private async run(fetch: SharedFetch, job: Job): Promise<void> {
    await this.slots.acquire();
    let lock;
    try {
      // Other nodes (and workers) fetching the same file wait here, then find it stored.
      lock = await this.locks.lock(LOCK_CLASS, lockKey(job.feed.id, job.path));
      await this.fetchUnderLock(fetch, job);
      fetch.finish();
    } catch (e) {
      const failure = e instanceof AppError && e.code === ErrorCode.NotFound ? e : await this.failed(job, e);
      fetch.fail(failure);
    } finally {
      await lock?.release();
      this.slots.release();
      await fetch.cleanup();
    }
  }

  private async fetchUnderLock(fetch: SharedFetch, job: Job): Promise<void> {
    const { feed, path, connector } = job;
    const now = this.clock.now();
    const current = await this.downloads.storedSha1(feed.id, path);
    if (job.mode === 'create' && current !== undefined) return; // stored meanwhile (another node)
    if (job.mode === 'revalidate') {
      if (current !== job.cached.sha1) return; // replaced meanwhile
      const entry = await this.cache.find(feed.id, path.lower);
      if (
        entry?.sha1 === job.cached.sha1 &&
        entry.validatedAt.getTime() + connector.cacheMinutes * 60_000 > now.getTime()
      )
        return; // revalidated meanwhile
    }
    const headers: OutgoingHttpHeaders = { ...this.credentials(connector), 'accept-encoding': 'identity' };
    if (job.mode === 'revalidate') {
      if (job.cached.etag) headers['if-none-match'] = job.cached.etag;
      if (job.cached.lastModified) headers['if-modified-since'] = job.cached.lastModified;
    }
    const response = await this.http.request({
      url: this.fileUrl(connector, path),
      headers,
      timeoutMs: connector.timeoutSeconds * 1000,
      maxRedirects: MAX_REDIRECTS,
    });
    this.count(feed.id, { lastFetchAt: now });
    if (job.mode === 'revalidate' && (response.status === 304 || response.status === 404 || response.status === 410)) {
      // Unchanged — or gone upstream, which leaves the cached copy served (a proxy keeps what it has).
      response.body.resume();
      await this.cache.validated(feed.id, path.lower, job.cached.sha1, now);
      return;
    }
    if (response.status === 404 || response.status === 410) {
      response.body.resume();
      if (connector.negativeCacheMinutes > 0) {
        await this.cache.rememberMissing(
          feed.id,
          path.lower,
          now,
          new Date(now.getTime() + connector.negativeCacheMinutes * 60_000),
        );
      }
      throw new AppError(ErrorCode.NotFound, `"${path.path}" was not found (here or upstream).`);
    }
    if (response.status !== 200) {
      const text = await errorText(response.body);
      throw new AppError(ErrorCode.BadGateway, `The upstream answered ${response.status}${text ? `: ${text}` : ''}.`);
    }
    const encoding = response.headers['content-encoding'];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
      // Asked for identity: an encoded body is not the file's bytes (their hashes would be wrong).
      response.body.destroy();
      throw new AppError(ErrorCode.BadGateway, `The upstream sent the file encoded (${encoding}) though asked not to.`);
    }
    const total = contentLength(response.headers);
    const etag = typeof response.headers.etag === 'string' ? response.headers.etag : null;
    const lastModifiedHeader = response.headers['last-modified'] ?? null;
    fetch.mediaType = resolveMediaType(response.headers['content-type'], path.name);
    fetch.lastModified = httpDate(lastModifiedHeader ?? undefined) ?? now;
    const body = await fetch.spool(this.spoolDir, response.body, total);
    try {
      await this.uploads.store({ feed, path }, job.mode === 'create' ? 'create' : 'overwrite', {
        body,
        contentType: fetch.mediaType,
        contentLength: total,
        modifiedAt: fetch.lastModified,
        ifSha1: job.mode === 'revalidate' ? job.cached.sha1 : undefined,
        within: (tx, sha1) =>
          this.cache.saveFile(tx, feed.id, path.lower, { sha1, etag, lastModified: lastModifiedHeader }, now),
      });
    } catch (e) {
      response.body.destroy();
      // A local upload won the race: it shadows the upstream's file.
      if (e instanceof AppError && e.code === ErrorCode.AlreadyExists) return;
      if (e instanceof AppError && e.code === ErrorCode.Conflict && job.mode === 'revalidate') {
        // The same content again (an upstream without validators), or a local upload meanwhile.
        await this.cache.validated(feed.id, path.lower, job.cached.sha1, now, {
          etag,
          lastModified: lastModifiedHeader,
        });
        return;
      }
      throw e;
    }
  }

  /** HEAD of a missing file: the upstream's HEAD, nothing fetched or stored. */
  private async head(feed: FeedEntity, path: ItemPath, connector: ConnectorSettings): Promise<UpstreamAnswer> {
    const job: Job = { mode: 'create', feed, path, connector };
    try {
      const response = await this.http.request({
        method: 'HEAD',
        url: this.fileUrl(connector, path),
        headers: this.credentials(connector),
        timeoutMs: connector.timeoutSeconds * 1000,
        maxRedirects: MAX_REDIRECTS,
      });
      response.body.resume();
      if (response.status === 404 || response.status === 410)
        throw new AppError(ErrorCode.NotFound, `"${path.path}" was not found (here or upstream).`);
      if (response.status !== 200)
        throw new AppError(ErrorCode.BadGateway, `The upstream answered ${response.status}.`);
      return {
        kind: 'live',
        file: {
          size: contentLength(response.headers) ?? -1,
          mediaType: resolveMediaType(response.headers['content-type'], path.name),
          lastModified: httpDate(response.headers['last-modified']) ?? this.clock.now(),
        },
      };
    } catch (e) {
      if (e instanceof AppError && e.code === ErrorCode.NotFound) throw e;
      throw await this.failed(job, e);
    }
  }

  /**
   * A failed fetch as the client sees it (502, 504, or 507 for a file over the quota), counted,
   * and announced (`connector.fetch_failed`). A revalidation that failed leaves the cached file
   * served; it is counted and announced all the same.
   */
  private async failed(job: Job, e: unknown): Promise<AppError> {
    const error = this.describeFailure(job, e);
    const now = this.clock.now();
    this.count(job.feed.id, { errors: 1, lastError: { at: now, path: job.path.path, message: error.message } });
    this.logger.warn(`Connector of "${job.feed.name}", "${job.path.path}": ${error.message}`);
    await this.events
      .publishNow({
        type: 'connector.fetch_failed',
        feed: { id: job.feed.id, name: job.feed.name },
        path: job.path.path,
        actor: 'system',
        details: { error: error.message, upstream: job.connector.url, revalidation: job.mode === 'revalidate' },
      })
      .catch((x: unknown) => this.logger.warn(`connector.fetch_failed not recorded: ${(x as Error).message}`));
    return error;
  }

  private describeFailure(job: Job, e: unknown): AppError {
    const { feed } = job;
    if (e instanceof AppError) {
      switch (e.code) {
        case ErrorCode.PayloadTooLarge:
          return new AppError(
            ErrorCode.BadGateway,
            `The upstream's file is larger than this server's upload limit (${this.config.maxUploadBytes} bytes): it was not stored.`,
          );
        case ErrorCode.QuotaExceeded:
          return new AppError(
            ErrorCode.InsufficientStorage,
            `The upstream's file does not fit in the quota of asset directory "${feed.name}": it was not stored. ${e.message}`,
          );
        case ErrorCode.BadGateway:
        case ErrorCode.GatewayTimeout:
        case ErrorCode.InsufficientStorage:
        case ErrorCode.ServiceUnavailable:
          return e;
        default:
          return new AppError(ErrorCode.BadGateway, `The upstream's file could not be stored: ${e.message}`);
      }
    }
    if (e instanceof OutboundRequestError) return this.outboundFailure(e);
    return new AppError(
      ErrorCode.BadGateway,
      `The upstream's answer broke off: ${(e as Error)?.message ?? String(e)}. Nothing was stored.`,
    );
  }

  private outboundFailure(e: unknown): AppError {
    if (e instanceof OutboundRequestError) {
      return new AppError(
        e.kind === 'timeout' ? ErrorCode.GatewayTimeout : ErrorCode.BadGateway,
        `The upstream: ${e.message}.`,
      );
    }
    return new AppError(ErrorCode.BadGateway, `The upstream could not be reached: ${(e as Error).message}`);
  }

  private connectorOf(feed: FeedEntity): ConnectorSettings {
    const connector = this.feeds.connectorOf(feed);
    if (!connector) throw new AppError(ErrorCode.NotFound, `Asset directory "${feed.name}" has no connector.`);
    return connector;
  }

  /** `http`: the base URL and the path; `stockroom`: the remote directory's `content/{path}`. */
  private fileUrl(connector: ConnectorSettings, path: ItemPath): string {
    const encoded = encodePath(path.path);
    return connector.type === 'stockroom' ? `${connector.url}content/${encoded}` : `${connector.url}${encoded}`;
  }

  private credentials(connector: ConnectorSettings): OutgoingHttpHeaders {
    if (connector.apiKey) return { 'x-apikey': connector.apiKey };
    if (connector.username !== undefined) {
      const pair = `${connector.username}:${connector.password ?? ''}`;
      return { authorization: `Basic ${Buffer.from(pair, 'utf8').toString('base64')}` };
    }
    return {};
  }

  // ---- counters ----

  private count(feedId: number, delta: Partial<StatsDelta>): void {
    let entry = this.pending.get(feedId);
    if (!entry) {
      entry = { hits: 0, misses: 0, errors: 0, lastFetchAt: null, lastError: null };
      this.pending.set(feedId, entry);
    }
    entry.hits += delta.hits ?? 0;
    entry.misses += delta.misses ?? 0;
    entry.errors += delta.errors ?? 0;
    if (delta.lastFetchAt && (!entry.lastFetchAt || delta.lastFetchAt > entry.lastFetchAt))
      entry.lastFetchAt = delta.lastFetchAt;
    if (delta.lastError) entry.lastError = delta.lastError;
  }

  /**
   * Writes this node's counts (once a second, before a status, at shutdown); kept for later on
   * failure. One write at a time: a status waits for the one under way, then writes what is left.
   */
  private async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    this.flushing = this.write().finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  private async write(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    for (const [feedId, delta] of batch) {
      try {
        await this.stats.add(feedId, delta);
      } catch (e) {
        this.logger.warn(`Connector counters not written: ${(e as Error).message}`);
        this.count(feedId, delta);
      }
    }
  }
}

/** An upstream's error body, shortened, as one line of text (never more than MAX_ERROR_TEXT). */
async function errorText(body: Readable): Promise<string> {
  try {
    const bytes = await readAtMost(body, 4096, true);
    return bytes
      .toString('utf8')
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, MAX_ERROR_TEXT);
  } catch {
    return '';
  }
}

/** Reads a body up to `max` bytes: more fails, unless `truncate` (then the rest is dropped). */
async function readAtMost(body: Readable, max: number, truncate = false): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    chunks.push(chunk as Buffer);
    if (size > max) {
      body.destroy();
      if (truncate) break;
      throw new Error(`larger than ${max} bytes`);
    }
  }
  return Buffer.concat(chunks).subarray(0, max);
}

/** One element of a remote `dir/` listing as item JSON here, or null when it is not safe to show. */
function upstreamItem(raw: unknown, folder: ItemPath, contentBase: string): AssetItem | null {
  if (!raw || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  if (!safeName(r['name'])) return null;
  const name = r['name'];
  const isDir = r['type'] === 'dir';
  const type = isDir ? 'dir' : typeof r['type'] === 'string' && r['type'].length <= 255 ? r['type'] : null;
  if (type === null || /[\r\n]/.test(type)) return null;
  const time = (v: unknown): string | null => {
    if (typeof v !== 'string') return null;
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : new Date(t).toISOString();
  };
  const created = time(r['created']) ?? new Date(0).toISOString();
  const modified = time(r['modified']) ?? created;
  const full = folder.path === '' ? name : `${folder.path}/${name}`;
  const item: AssetItem = {
    name,
    ...(folder.path !== '' ? { parent: folder.path } : {}),
    type,
    created,
    modified,
    cacheHeader: { type: 'Inherit' },
  };
  if (!isDir) {
    const size = r['size'];
    if (typeof size === 'number' && Number.isSafeInteger(size) && size >= 0) item.size = size;
    item.content = `${contentBase}/${encodePath(full)}`;
    for (const [hash, length] of Object.entries(HEX) as [keyof typeof HEX, number][]) {
      const value = r[hash];
      if (typeof value === 'string' && value.length === length && /^[0-9a-f]+$/i.test(value))
        item[hash] = value.toLowerCase();
    }
  }
  return item;
}

/** A counting semaphore: `acquire` waits for a free slot, in order. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}
