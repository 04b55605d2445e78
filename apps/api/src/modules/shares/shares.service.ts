import { Inject, Injectable } from '@nestjs/common';
import {
  AssetPathError,
  AuditAction,
  ErrorCode,
  parseDecodedPath,
  Privilege,
  Share,
  ShareState,
} from '@stockroom/contracts';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { principalKey, type Principal } from '../../common/auth/principal';
import { Clock } from '../../common/clock';
import { AppError, badRequest } from '../../common/errors/app-error';
import type { StoredObjectResponse } from '../../common/http/send-stored-object';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { AssetArchiveService, ExportedArchive } from '../assets/asset-archive.service';
import { AssetDownloadService } from '../assets/asset-download.service';
import { AssetTarget, itemPath } from '../assets/asset-target';
import { AssetsService } from '../assets/assets.service';
import { AuditService } from '../audit/audit.service';
import type { FeedEntity } from '../feeds/feed.entity';
import { FeedsService } from '../feeds/feeds.service';
import { AccessService, unauthorized } from '../security/access.service';
import { LoginThrottleService } from '../security/login-throttle.service';
import { PasswordService } from '../security/password.service';
import { ShareUsageRecorder } from './share-usage-recorder';
import { ShareRow, SharesRepository } from './shares.repository';

/** `POST /api/shares`, validated at the edge (types and ranges); the rules between fields are here. */
export interface CreateShareInput {
  feed: string;
  path: string;
  expiresAt?: string;
  expiresInMinutes?: number;
  maxDownloads?: number;
  password?: string;
}

export interface CreatedShareResult {
  id: number;
  /** The link's secret: shown once, never stored. */
  token: string;
  expiresAt: Date;
}

/** A share link that may be used now, its password (if any) given: what each use goes on with. */
export interface ShareUse {
  share: ShareRow;
  feed: FeedEntity;
  /** The client's address (audit, throttling). */
  address: string;
}

/** What a path under a link names. */
export type SharedTarget = { kind: 'file' | 'dir'; target: AssetTarget };

/** A line of a shared folder's index (common/http/html-index.ts IndexEntry). */
export interface SharedIndexEntry {
  name: string;
  folder: boolean;
  size: number | null;
  modified: string | null;
}

/** 256 random bits, base64url: 43 characters. */
const TOKEN_BYTES = 32;
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;
const PASSWORD_REALM = 'Stockroom share';

const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest();

function notFound(): AppError {
  return new AppError(ErrorCode.NotFound, 'There is no such share link.');
}

/** The reason a link that cannot be used says so (410). */
const GONE_REASONS: Record<Exclude<ShareState, 'active'>, string> = {
  revoked: 'This share link was revoked.',
  ended: 'This share link has ended: the shared file or folder was moved or deleted.',
  expired: 'This share link has expired.',
  exhausted: 'This share link has been used as many times as it allows.',
};

/**
 * [ext] Share links (issue 18): a file or a folder served without an account, through a link that
 * expires, may be limited in downloads and protected by a password, and ends when its path no longer
 * holds the item it was made for. A link with a download limit is read from the database on every use;
 * one without comes from the coherent cache, which every change to a link (revocation, end) clears on
 * every node through PostgreSQL's change notification; expiry is checked on every use. Files, indexes
 * and archives are served by the asset services, on behalf of the link (no principal).
 */
@Injectable()
export class SharesService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: SharesRepository,
    private readonly feeds: FeedsService,
    private readonly assets: AssetsService,
    private readonly downloads: AssetDownloadService,
    private readonly archives: AssetArchiveService,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly passwords: PasswordService,
    private readonly throttle: LoginThrottleService,
    private readonly clock: Clock,
    private readonly recorder: ShareUsageRecorder,
  ) {}

  // ---- managing links (/api/shares)

  /** Needs Download on the path and Feeds_ShareAsset on the directory. */
  async create(actor: Principal, input: CreateShareInput): Promise<CreatedShareResult> {
    if (actor.kind === 'anonymous') throw unauthorized('Sign in to create a share link.');
    const now = this.clock.now();
    const expiresAt = this.expiry(input, now);
    let segments: string[];
    try {
      segments = parseDecodedPath(input.path);
    } catch (e) {
      if (e instanceof AssetPathError) throw new AppError(ErrorCode.InvalidPath, e.message);
      throw e;
    }
    const feed = await this.feeds.require(actor, input.feed);
    await this.access.require(actor, Privilege.Download, feed);
    await this.access.require(actor, Privilege.ShareAsset, feed);
    const path = await this.assets.resolvePath(feed, segments);
    const item = await this.assets.sharedItem({ feed, path });
    if (!item) throw new AppError(ErrorCode.NotFound, `"${path.path}" was not found.`);
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    const kind = item.kind === 'dir' ? 'folder' : 'file';
    const id = await this.repository.insert({
      feedId: feed.id,
      path: path.path,
      pathLower: path.lower,
      itemId: item.id,
      kind,
      tokenHash: hashToken(token),
      createdBy: actor.name,
      createdByKey: principalKey(actor),
      createdAt: now,
      expiresAt,
      maxDownloads: input.maxDownloads ?? null,
      passwordHash: input.password === undefined ? null : await this.passwords.hash(input.password),
    });
    await this.audit.record(actor, AuditAction.ShareCreated, {
      feed: feed.name,
      target: path.path,
      details: {
        id,
        kind,
        expiresAt: expiresAt.toISOString(),
        maxDownloads: input.maxDownloads ?? null,
        password: input.password !== undefined,
      },
    });
    return { id, token, expiresAt };
  }

  /** The creator's own links; all of them for the directory's managers (Manage Feed, Administer). */
  async list(actor: Principal, feedName: string): Promise<Share[]> {
    if (actor.kind === 'anonymous') throw unauthorized('Sign in to list share links.');
    const feed = await this.feeds.requireFor(actor, Privilege.View, feedName);
    const manager = await this.access.has(actor, Privilege.ManageFeed, feed);
    // This node's uses counted in memory are written first (other nodes' within a second).
    await this.recorder.flush();
    const rows = await this.repository.list(feed.id, manager ? undefined : principalKey(actor));
    const now = this.clock.now();
    const lost = rows.filter((r) => !r.bound && r.endedAt === null && r.revokedAt === null);
    await this.repository.markEnded(
      lost.map((r) => r.id),
      now,
    );
    for (const r of lost) r.endedAt = now;
    return rows.map((r) => toShare(r, feed.name, now));
  }

  /** The creator, the directory's managers and Administer; anyone else is told there is no such link. */
  async revoke(actor: Principal, id: number): Promise<void> {
    const missing = new AppError(ErrorCode.NotFound, `Share link ${id} was not found.`);
    const row = await this.repository.findById(id);
    if (!row) throw this.access.objectNotFound(actor, missing);
    if (actor.kind === 'anonymous' || row.createdByKey !== principalKey(actor)) {
      const feed = await this.feeds.requireById(row.feedId);
      await this.access.requireOrNotFound(actor, Privilege.ManageFeed, feed, missing);
    }
    await this.repository.revoke(id, this.clock.now());
    const feed = await this.feeds.requireById(row.feedId);
    await this.audit.record(actor, AuditAction.ShareRevoked, { feed: feed.name, target: row.path, details: { id } });
  }

  // ---- using links (/s/{token})

  /**
   * The link a token names, usable now, its password checked: unknown → 404; revoked, ended, expired
   * or used up → 410 with the reason; a password link without one (or with a wrong one) → 401 with a
   * Basic challenge, failures throttled per link and address like sign-ins.
   */
  async open(token: string, password: string | undefined, address: string): Promise<ShareUse> {
    if (!TOKEN_FORMAT.test(token)) throw notFound();
    const presented = hashToken(token);
    const share = await this.repository.findByTokenHash(presented);
    // Looked up by its hash (no timing to learn from a B-tree over hashes), compared in constant time.
    if (!share || !timingSafeEqual(Buffer.from(share.tokenHash), presented)) throw notFound();
    const feed = await this.feeds.requireCachedById(share.feedId);
    // Bound to its item: checked here against the (coherent) item lookup of downloads, as the link's
    // own row may come from the cache.
    const item =
      share.itemId === null
        ? null
        : await this.downloads.sharedItemAt({ feed, path: itemPath(segmentsOf(share.path)) });
    const current: ShareRow = { ...share, bound: share.itemId === null || item?.id === share.itemId };
    const now = this.clock.now();
    const state = stateOf(current, now);
    if (state === 'ended' && share.endedAt === null) await this.repository.markEnded([share.id], now);
    if (state !== 'active') throw new AppError(ErrorCode.Gone, GONE_REASONS[state]);
    if (share.passwordHash !== null) await this.checkPassword(share, password, address);
    return { share: current, feed, address };
  }

  /** What `sub` (segments below the link, already decoded) names: a file, or a folder of a folder link. */
  async resolve(use: ShareUse, sub: string[]): Promise<SharedTarget> {
    const { share, feed } = use;
    if (share.kind === 'file' && sub.length > 0) throw notFound();
    const base = segmentsOf(share.path);
    const path = await this.assets.resolvePath(feed, [...base, ...sub]);
    // The link's own item was checked with the link (bound): nothing more to look up.
    if (sub.length === 0) return { kind: share.kind === 'file' ? 'file' : 'dir', target: { feed, path } };
    const item = await this.downloads.sharedItemAt({ feed, path });
    if (!item || (share.kind === 'file' && item.id !== share.itemId)) {
      throw new AppError(ErrorCode.NotFound, `"${sub.join('/')}" was not found in this shared folder.`);
    }
    return { kind: item.kind, target: { feed, path } };
  }

  /** A file under the link, with the headers of every download (`attachment`: `?download=true`). */
  file(target: AssetTarget, opts: { attachment: boolean }): Promise<StoredObjectResponse> {
    return this.downloads.resolveShared(target, opts);
  }

  /**
   * Counts one download of the link (a file from its first byte, or an archive) and audits it. A link
   * with a limit is counted at once and atomically — two nodes serving its last download at once cannot
   * both count it — and answers 410 when it has none left (or was revoked or expired since it was
   * opened); a link without one is counted with its audit event, in the next batch (ShareUsageRecorder).
   */
  async countDownload(use: ShareUse, target: AssetTarget, as: 'file' | 'zip'): Promise<void> {
    if (use.share.maxDownloads === null) {
      this.recorder.record(this.usage(use, target, as), { shareId: use.share.id });
      return;
    }
    const count = await this.repository.countDownload(use.share.id, this.clock.now());
    if (count === null) {
      const fresh = await this.repository.findById(use.share.id);
      const state = fresh ? stateOf(fresh, this.clock.now()) : 'revoked';
      throw new AppError(ErrorCode.Gone, GONE_REASONS[state === 'active' ? 'exhausted' : state]);
    }
    this.recorder.record(this.usage(use, target, as, count));
  }

  /** A folder's index under the link (audited, not counted: it is no download). */
  async index(use: ShareUse, target: AssetTarget): Promise<AsyncIterable<SharedIndexEntry>> {
    const rows = await this.assets.listShared(target);
    this.recorder.record(this.usage(use, target, 'index'));
    async function* entries(): AsyncGenerator<SharedIndexEntry> {
      for await (const row of rows) {
        yield {
          name: row.name,
          folder: row.kind === 'dir',
          size: row.kind === 'dir' ? null : Number(row.size ?? 0),
          modified: row.modified_at,
        };
      }
    }
    return entries();
  }

  /** A folder under the link as an archive (counted as one download). */
  async archive(
    use: ShareUse,
    target: AssetTarget,
    format: string | undefined,
    head: boolean,
  ): Promise<ExportedArchive> {
    const archive = await this.archives.exportShared(target, format);
    if (!head) await this.countDownload(use, target, 'zip');
    return archive;
  }

  private usage(use: ShareUse, target: AssetTarget, as: string, downloads?: number) {
    return {
      address: use.address,
      fields: {
        feed: use.feed.name,
        target: target.path.path,
        details: { id: use.share.id, as, ...(downloads === undefined ? {} : { downloads }) },
      },
    };
  }

  private async checkPassword(share: ShareRow, password: string | undefined, address: string): Promise<void> {
    const challenge = (message: string) =>
      new AppError(ErrorCode.Unauthorized, message, { authChallenge: 'basic', authRealm: PASSWORD_REALM });
    if (password === undefined) throw challenge('This share link needs a password (Basic auth, any user name).');
    await this.throttle.checkSharePassword(share.id, address);
    if (!(await this.passwords.verify(share.passwordHash as string, password))) {
      await this.throttle.sharePasswordFailed(share.id, address);
      throw challenge('Wrong password for this share link.');
    }
    await this.throttle.sharePasswordSucceeded(share.id, address);
  }

  /** Exactly one of the two; in the future; at most STOCKROOM_SHARE_MAX_DAYS ahead. */
  private expiry(input: CreateShareInput, now: Date): Date {
    const { expiresAt, expiresInMinutes } = input;
    if ((expiresAt === undefined) === (expiresInMinutes === undefined)) {
      throw badRequest('Give exactly one of "expiresAt" and "expiresInMinutes".');
    }
    const maxDays = this.config.shareMaxDays;
    let at: Date;
    if (expiresAt !== undefined) {
      // A date and a time with its zone: a time without one would be read in the server's zone.
      const t = /^\d{4}-\d{2}-\d{2}T[^Z+-]+(Z|[+-]\d{2}:?\d{2})$/i.test(expiresAt) ? Date.parse(expiresAt) : NaN;
      if (Number.isNaN(t)) {
        throw badRequest('"expiresAt" must be an ISO-8601 date and time with its zone, e.g. 2030-01-31T12:00:00Z.');
      }
      at = new Date(t);
      if (at.getTime() <= now.getTime()) throw badRequest('"expiresAt" is in the past.');
    } else {
      at = new Date(now.getTime() + (expiresInMinutes as number) * 60_000);
    }
    if (at.getTime() > now.getTime() + maxDays * 86_400_000) {
      throw badRequest(`A share link may live at most ${maxDays} days (STOCKROOM_SHARE_MAX_DAYS).`);
    }
    return at;
  }
}

/** A stored path's segments ('' is the directory itself). */
function segmentsOf(path: string): string[] {
  return path === '' ? [] : path.split('/');
}

function stateOf(share: ShareRow, now: Date): ShareState {
  if (share.revokedAt !== null) return 'revoked';
  if (share.endedAt !== null || !share.bound) return 'ended';
  if (share.expiresAt.getTime() <= now.getTime()) return 'expired';
  if (share.maxDownloads !== null && share.downloads >= share.maxDownloads) return 'exhausted';
  return 'active';
}

function toShare(r: ShareRow, feed: string, now: Date): Share {
  return {
    id: r.id,
    feed,
    path: r.path,
    kind: r.kind,
    createdBy: r.createdBy,
    createdAt: r.createdAt.toISOString(),
    expiresAt: r.expiresAt.toISOString(),
    maxDownloads: r.maxDownloads,
    downloads: r.downloads,
    hasPassword: r.passwordHash !== null,
    endedAt: (r.revokedAt ?? r.endedAt)?.toISOString() ?? null,
    state: stateOf(r, now),
  };
}
