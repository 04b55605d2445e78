import { Injectable } from '@nestjs/common';
import { ErrorCode, type WritePolicy } from '@stockroom/contracts';
import { Clock } from '../../common/clock';
import { principalKey, type Principal } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import type { Tx } from '../../database/unit-of-work';
import type { FeedEntity } from './feed.entity';
import { FeedsRepository } from './feeds.repository';

/** How long a reading of a directory's use may let a write of known length through (see assertRoomFor). */
const USAGE_CACHE_MS = 1000;

/** How long after its creation a 0-byte placeholder may still be replaced in a create-only directory. */
export const PLACEHOLDER_WINDOW_MS = 10 * 60 * 1000;

/** An existing file a write would replace, with what the placeholder rule needs of it. */
export interface ReplacedFile {
  path: string;
  size: number;
  createdAt: Date;
  /** Who wrote it while it is an unreplaced 0-byte file (principalKey), else null. */
  placeholderBy: string | null;
}

/**
 * What a write does to a directory, as far as its write policy cares. Each caller (uploads, imports,
 * deletes, metadata, and later moves, copies and WebDAV) says it in these terms; the rules live here.
 */
export interface WriteIntent {
  /** Paths the write creates (files or folders). */
  creates?: boolean;
  /** Existing files the write replaces. */
  replaces?: readonly ReplacedFile[];
  /** Existing items (files or folders) the write removes: the first one's path, for the message. */
  deletes?: { count: number; path: string };
  /** Changes to existing items' metadata only (media type, user metadata, cache setting). */
  changesMetadata?: boolean;
}

/** The directory's quota and what its files take now (read in a transaction, under the usage lock). */
export interface DirectoryUsage {
  usedBytes: number;
  quotaBytes: number | null;
  /** The write policy as committed (a feed entity read at the request's start may be older). */
  writePolicy: WritePolicy;
}

/**
 * [ext] Directory policies (issue 17 §3): the write policy (`allow`, `create-only`, `read-only`) and
 * the quota. The checks are typed and protocol-free: they throw WritePolicy (403) and QuotaExceeded
 * (413 on /endpoints) errors whose messages name the policy or the figures.
 *
 * The quota is exact under concurrency and across nodes: `feed_usage.used_bytes` is kept by triggers
 * on `asset_items` (see the DirectoryPolicies migration) that lock the directory's usage row, add the
 * statement's bytes and refuse a statement that grows the directory past its quota (SQLSTATE SRQ01,
 * a QuotaExceeded error once out of UnitOfWork): concurrent commits to one directory take turns on that
 * row, each seeing the bytes of the others, whichever code path writes the rows. The checks here are
 * the early ones, before a body is read or while it streams.
 */
@Injectable()
export class DirectoryPolicy {
  constructor(
    private readonly repository: FeedsRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * Throws unless the directory's write policy allows the write. A create-only directory still lets
   * the principal who wrote a 0-byte file replace it once within PLACEHOLDER_WINDOW_MS of its creation
   * (clients that create an empty file before uploading the bytes, spec §8).
   */
  assertCanWrite(actor: Principal, feed: Pick<FeedEntity, 'name' | 'writePolicy'>, intent: WriteIntent): void {
    const policy = feed.writePolicy;
    if (policy === 'allow') return;
    const writes = intent.creates || intent.replaces?.length || intent.deletes?.count || intent.changesMetadata;
    if (policy === 'read-only') {
      if (writes)
        throw new AppError(
          ErrorCode.WritePolicy,
          `Asset directory "${feed.name}" is read-only: nothing in it can be written or deleted.`,
        );
      return;
    }
    // create-only
    if (intent.deletes && intent.deletes.count > 0) {
      throw new AppError(
        ErrorCode.WritePolicy,
        `Asset directory "${feed.name}" is create-only: "${intent.deletes.path}" cannot be deleted.`,
      );
    }
    const locked = intent.replaces?.find((f) => !this.isOwnPlaceholder(actor, f));
    if (locked) {
      throw new AppError(
        ErrorCode.WritePolicy,
        `Asset directory "${feed.name}" is create-only: "${locked.path}" already exists and cannot be overwritten.`,
      );
    }
  }

  /** Whether `actor` may still replace this file as its own fresh placeholder. */
  isOwnPlaceholder(actor: Principal, file: ReplacedFile): boolean {
    return (
      file.size === 0 &&
      file.placeholderBy === principalKey(actor) &&
      this.clock.now().getTime() - file.createdAt.getTime() <= PLACEHOLDER_WINDOW_MS
    );
  }

  /** Deleting the directory itself: a create-only one needs Administer (the caller checks it). */
  protectsDirectory(feed: Pick<FeedEntity, 'writePolicy'>): boolean {
    return feed.writePolicy === 'create-only';
  }

  /** The quota and the current use, outside a transaction (reports, checks before a body is read). */
  usage(feedId: number): Promise<DirectoryUsage> {
    return this.repository.usage(feedId);
  }

  /** The use of several directories (listings): bytes by directory id. */
  usedBytes(feedIds: readonly number[]): Promise<Map<number, number>> {
    return this.repository.usedBytes(feedIds);
  }

  /**
   * The bytes a write may still add (net of what it replaces), or undefined without a quota: for an
   * upload whose length is unknown, the limit it is cut off at while streaming.
   */
  async bytesLeft(feed: Pick<FeedEntity, 'id' | 'quotaBytes'>, replacedBytes = 0): Promise<number | undefined> {
    if (feed.quotaBytes === null) return undefined;
    const { usedBytes, quotaBytes } = await this.repository.usage(feed.id);
    if (quotaBytes === null) return undefined;
    return Math.max(0, quotaBytes - usedBytes + replacedBytes);
  }

  /**
   * Before a body is read: throws QuotaExceeded when `addBytes` more (net of `replacedBytes`) would
   * take the directory past its quota. Returns the bytes left for the write (undefined: no quota).
   *
   * A write of known length is let through on this worker's reading of the use if it is under
   * USAGE_CACHE_MS old (a fresh query, or what this worker's last commit there left: see noteUsage;
   * writes of other workers and nodes within that time are missed) — the check that counts is the
   * trigger's, in the commit; this one spares the client sending a body that cannot fit. A refusal is always confirmed by a fresh reading, so
   * room made a moment ago by a delete is never refused. Without a length: a fresh reading, since the
   * bytes left become the limit the body is cut off at.
   */
  async assertRoomFor(
    feed: Pick<FeedEntity, 'id' | 'name' | 'quotaBytes'>,
    addBytes: number | undefined,
    replacedBytes = 0,
  ): Promise<number | undefined> {
    if (feed.quotaBytes === null) return undefined;
    const fits = (u: DirectoryUsage) =>
      u.quotaBytes === null || addBytes === undefined || u.usedBytes - replacedBytes + addBytes <= u.quotaBytes;
    let usage = addBytes === undefined ? undefined : this.recentUsage(feed.id);
    if (!usage || !fits(usage)) usage = await this.freshUsage(feed.id);
    if (usage.quotaBytes === null) return undefined;
    if (!fits(usage)) throw overQuota(feed.name, usage, addBytes ?? 0, true);
    return Math.max(0, usage.quotaBytes - usage.usedBytes + replacedBytes);
  }

  /**
   * For a write of known size whose request has no body left to spare (a move or copy): throws
   * QuotaExceeded when `addBytes` more (net of `replacedBytes`) would take the directory past its
   * quota in `usage` — a fresh reading before the work, or the one lockUsage returned in the commit.
   */
  assertFits(feed: Pick<FeedEntity, 'name'>, usage: DirectoryUsage, addBytes: number, replacedBytes = 0): void {
    if (usage.quotaBytes !== null && usage.usedBytes - replacedBytes + addBytes > usage.quotaBytes)
      throw overQuota(feed.name, usage, addBytes, false);
  }

  /** Readings of the use by directory id, for assertRoomFor (a few hundred bytes per directory written). */
  private readonly recent = new Map<number, { usage: DirectoryUsage; at: number }>();

  private recentUsage(feedId: number): DirectoryUsage | undefined {
    const hit = this.recent.get(feedId);
    return hit && performance.now() - hit.at < USAGE_CACHE_MS ? hit.usage : undefined;
  }

  /** The use as a write of this worker left it (read under lockUsage), for the next assertRoomFor. */
  noteUsage(feedId: number, usage: DirectoryUsage): void {
    if (this.recent.size > 10_000) this.recent.clear();
    this.recent.set(feedId, { usage, at: performance.now() });
  }

  private async freshUsage(feedId: number): Promise<DirectoryUsage> {
    const usage = await this.repository.usage(feedId);
    this.noteUsage(feedId, usage);
    return usage;
  }

  /** The error for a write cut off while streaming, past `limit` bytes left. */
  streamedOverQuota(feed: Pick<FeedEntity, 'name' | 'quotaBytes'>, limit: number): AppError {
    const quota = feed.quotaBytes ?? 0;
    return new AppError(
      ErrorCode.QuotaExceeded,
      `Asset directory "${feed.name}" would exceed its quota of ${quota} bytes: ${quota - limit} bytes are in use and the upload is larger than the ${limit} bytes left.`,
      { requestAbandoned: true },
    );
  }

  /**
   * Locks the directory's usage row until `tx` ends and returns the use, the quota and the write
   * policy as committed. Call it before the transaction's first change to `asset_items`: the triggers
   * lock the same row at each change, and a transaction that held item rows while waiting for it
   * could deadlock with one that holds it and waits for those rows.
   */
  lockUsage(tx: Tx, feedId: number): Promise<DirectoryUsage> {
    return this.repository.lockUsage(tx, feedId);
  }
}

/** `unread`: the request's body was not read (the connection closes after the answer). */
function overQuota(feedName: string, usage: DirectoryUsage, addBytes: number, unread: boolean): AppError {
  return new AppError(
    ErrorCode.QuotaExceeded,
    `Asset directory "${feedName}" would exceed its quota: ${addBytes} more bytes, with ${usage.usedBytes} of its ${usage.quotaBytes} bytes in use.`,
    { requestAbandoned: unread },
  );
}
