import { Injectable } from '@nestjs/common';
import { Privilege } from '@stockroom/contracts';
import { randomUUID } from 'node:crypto';
import { principalKey, type Principal } from '../../common/auth/principal';
import type { FeedEntity } from '../feeds/feed.entity';
import { AccessService } from '../security/access.service';
import { DavError } from './dav-error';
import { DavLockRow, DavLocksRepository } from './dav-locks.repository';
import type { IfList } from './if-header';

export const TOKEN_PREFIX = 'opaquelocktoken:';
export const DEFAULT_LOCK_SECONDS = 3600;
export const MAX_LOCK_SECONDS = 24 * 3600;

export interface LockRequest {
  exclusive: boolean;
  deep: boolean;
  ownerXml: string;
  timeoutSeconds: number;
}

/** What the `If` header of a request can be checked against, for one resource. */
export interface ResourceState {
  etag?: string;
  /** Tokens (opaquelocktoken:…) of the active locks on the resource. */
  tokens: Set<string>;
}

/**
 * WebDAV write locks (RFC 4918 §6-7) kept in PostgreSQL: every node sees the same locks; a lock is
 * taken under an advisory lock per directory so two nodes cannot grant conflicting ones.
 */
@Injectable()
export class DavLocksService {
  constructor(
    private readonly locks: DavLocksRepository,
    private readonly access: AccessService,
  ) {}

  /**
   * Refuses (423) a write to `lower` while a lock bears on it whose token the caller did not submit
   * as the lock's own owner. `parent`: the write adds or removes a member (the parent's locks count);
   * `below`: it changes the whole subtree (DELETE, MOVE of a folder).
   */
  async assertUnlocked(
    actor: Principal,
    feed: FeedEntity,
    lower: string,
    submitted: ReadonlySet<string>,
    opts: { parent?: boolean; below?: boolean } = {},
  ): Promise<void> {
    const rows = await this.locks.covering(feed.id, lower, opts);
    if (rows.length === 0) return;
    const me = principalKey(actor);
    const held = (r: DavLockRow) => submitted.has(TOKEN_PREFIX + r.token) && r.principal === me;
    // Each exclusive lock must be held; among shared locks on one path, one held is enough.
    const byPath = new Map<string, DavLockRow[]>();
    for (const r of rows) byPath.set(r.path_lower, [...(byPath.get(r.path_lower) ?? []), r]);
    for (const group of byPath.values()) {
      if (group.some((r) => r.exclusive) ? !group.every((r) => !r.exclusive || held(r)) : !group.some(held))
        throw new DavError(
          423,
          'The resource is locked; submit its lock token in an If header.',
          'lock-token-submitted',
        );
    }
  }

  /** The active locks on a path and below it (lockdiscovery of a listing). */
  below(feed: FeedEntity, lower: string): Promise<DavLockRow[]> {
    return this.locks.covering(feed.id, lower, { below: true });
  }

  on(feed: FeedEntity, lower: string): Promise<DavLockRow[]> {
    return this.locks.covering(feed.id, lower);
  }

  async state(feed: FeedEntity, lower: string, etag: string | undefined): Promise<ResourceState> {
    const rows = await this.locks.covering(feed.id, lower);
    return { etag, tokens: new Set(rows.map((r) => TOKEN_PREFIX + r.token)) };
  }

  /** Takes a new lock; 423 when an existing one conflicts. */
  async lock(actor: Principal, feed: FeedEntity, path: { path: string; lower: string }, req: LockRequest) {
    await this.access.require(actor, Privilege.Add, feed);
    return this.locks.withFeedLocked(feed.id, async (m) => {
      const existing = await this.locks.covering(feed.id, path.lower, { below: req.deep }, m);
      if (existing.some((r) => r.exclusive || req.exclusive))
        throw new DavError(423, 'A conflicting lock is held on this resource.', 'no-conflicting-lock');
      return this.locks.insert(m, {
        token: randomUUID(),
        feed_id: feed.id,
        path: path.path,
        path_lower: path.lower,
        exclusive: req.exclusive,
        deep: req.deep,
        owner_xml: req.ownerXml,
        principal: principalKey(actor),
        timeout_seconds: req.timeoutSeconds,
      });
    });
  }

  /** Refreshes the lock whose token the If header submits (412 when none applies). */
  async refresh(actor: Principal, feed: FeedEntity, lower: string, lists: IfList[], timeoutSeconds: number) {
    await this.access.require(actor, Privilege.Add, feed);
    const covering = await this.locks.covering(feed.id, lower);
    const me = principalKey(actor);
    for (const l of lists)
      for (const c of l.conditions) {
        const lock = covering.find((r) => TOKEN_PREFIX + r.token === c.token && !c.not);
        if (lock && lock.principal === me) {
          const refreshed = await this.locks.refresh(lock.token, timeoutSeconds);
          if (refreshed) return refreshed;
        }
      }
    throw new DavError(
      412,
      'No lock of yours on this resource matches the If header.',
      'lock-token-matches-request-uri',
    );
  }

  async unlock(actor: Principal, feed: FeedEntity, lower: string, token: string): Promise<void> {
    await this.access.require(actor, Privilege.Add, feed);
    const lock = (await this.locks.covering(feed.id, lower)).find((r) => TOKEN_PREFIX + r.token === token);
    if (!lock)
      throw new DavError(
        409,
        'That lock token does not name a lock on this resource.',
        'lock-token-matches-request-uri',
      );
    if (lock.principal !== principalKey(actor)) throw new DavError(403, 'Only the lock owner may remove this lock.');
    await this.locks.delete(lock.token);
  }

  /** After a DELETE or a MOVE away: the locks of the old paths go. */
  forget(feed: FeedEntity, lower: string): Promise<void> {
    return this.locks.deleteSubtree(feed.id, lower);
  }
}
