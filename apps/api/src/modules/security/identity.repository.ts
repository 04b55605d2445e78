import { Injectable } from '@nestjs/common';
import type { ApiKeyType, FeedKeyPermission, Privilege, PseudoGroup } from '@stockroom/contracts';
import { DataSource } from 'typeorm';
import { CoherentCache } from '../../database/coherent-cache.service';
import type { ApplicableRule } from './privilege-evaluation';

export interface UserCredentialRow {
  id: number;
  userName: string;
  enabled: boolean;
  passwordHash: string;
}

export interface ThrottleQuery {
  /** The (user name, address) key and the address key, with the failures each may have for free. */
  pairKey: string;
  addressKey: string;
  freePairFailures: number;
  freeAddressFailures: number;
  /** Counts are forgotten after this long without a failure. */
  windowMinutes: number;
  /** The longest delay. */
  maxDelaySeconds: number;
}

export interface KeyRow {
  id: number;
  type: ApiKeyType;
  secretHash: Buffer;
  displayName: string;
  systemApis: string[];
  feedPermissions: FeedKeyPermission[];
  feedId: number | null;
  userId: number | null;
  userName: string | null;
  userEnabled: boolean | null;
  expiresAt: Date | null;
  revoked: boolean;
}

export interface SessionRow {
  id: number;
  csrfToken: string;
  userId: number;
  userName: string;
  stale: boolean;
}

/**
 * The queries on every request's path: who is this (user, key or session), and which privilege
 * rules apply to them. Raw SQL on indexed columns; users, keys and rules are cached per node
 * (CoherentCache: dropped on every node as soon as any of those tables changes). The one owner of
 * `login_throttle` (lookup, counts, purge).
 */
@Injectable()
export class IdentityRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cache: CoherentCache,
  ) {}

  /**
   * The user (if any) and, in the same round trip, how many seconds until password attempts for
   * this name from this address (or from this address at all) are allowed again (null: now).
   */
  findUserForPasswordCheck(
    nameLower: string,
    throttle: ThrottleQuery,
  ): Promise<{ user: UserCredentialRow | null; retryAfter: number | null }> {
    // A delay ends with time, not with a change: only the "not delayed" answer is kept.
    return this.cache.get(
      `user:${nameLower}\0${throttle.pairKey}\0${throttle.addressKey}`,
      () => this.queryUserForPasswordCheck(nameLower, throttle),
      (found) => found.retryAfter === null,
    );
  }

  private async queryUserForPasswordCheck(
    nameLower: string,
    throttle: ThrottleQuery,
  ): Promise<{ user: UserCredentialRow | null; retryAfter: number | null }> {
    const rows: (Partial<UserCredentialRow> & { retryAfter: number | null })[] = await this.dataSource.query(
      `SELECT u.id, u.user_name AS "userName", u.enabled, u.password_hash AS "passwordHash",
              (SELECT nullif(greatest(max(ceil(extract(epoch FROM
                        t.last_failed_at
                        + make_interval(secs => least(power(2, least(t.failures - t.free, 30)), $7))
                        - now()))), 0), 0)::int
                 FROM (SELECT k.*, CASE WHEN k.key = $2 THEN $5::int ELSE $6::int END AS free
                         FROM login_throttle k WHERE k.key IN ($2, $3)) t
                WHERE t.last_failed_at > now() - make_interval(mins => $4)
                  AND t.failures >= t.free) AS "retryAfter"
         FROM (SELECT 1) AS one LEFT JOIN users u ON u.name_lower = $1`,
      [
        nameLower,
        throttle.pairKey,
        throttle.addressKey,
        throttle.windowMinutes,
        throttle.freePairFailures,
        throttle.freeAddressFailures,
        throttle.maxDelaySeconds,
      ],
    );
    const row = rows[0];
    const user = row.id === null || row.id === undefined ? null : (row as UserCredentialRow);
    return { user, retryAfter: row.retryAfter };
  }

  /** One more failure for each key; a count idle for a whole window starts again at 1. */
  async recordLoginFailures(keys: string[], windowMinutes: number): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO login_throttle (key, failures, window_started_at, last_failed_at)
       SELECT k, 1, now(), now() FROM unnest($1::text[]) AS k
       ON CONFLICT (key) DO UPDATE SET
         failures = CASE WHEN login_throttle.last_failed_at <= now() - make_interval(mins => $2) THEN 1
                         ELSE login_throttle.failures + 1 END,
         window_started_at = CASE WHEN login_throttle.last_failed_at <= now() - make_interval(mins => $2) THEN now()
                                  ELSE login_throttle.window_started_at END,
         last_failed_at = now()`,
      [keys, windowMinutes],
    );
  }

  async clearLoginFailures(key: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM login_throttle WHERE key = $1`, [key]);
  }

  /** Forgets the counts with no failure for a whole window (they would start again at 1 anyway). */
  async purgeStaleLoginFailures(windowMinutes: number): Promise<void> {
    await this.dataSource.query(`DELETE FROM login_throttle WHERE last_failed_at < now() - make_interval(mins => $1)`, [
      windowMinutes,
    ]);
  }

  /** Cached (see CoherentCache) when found: expiry is compared by the caller, at use. */

  findKey(secretHash: Buffer): Promise<KeyRow | null> {
    return this.cache.get(
      `key:${secretHash.toString('base64')}`,
      () => this.queryKey(secretHash),
      (k) => k !== null,
    );
  }

  private async queryKey(secretHash: Buffer): Promise<KeyRow | null> {
    const rows: KeyRow[] = await this.dataSource.query(
      `SELECT k.id, k.type, k.secret_hash AS "secretHash", k.display_name AS "displayName",
              k.system_apis AS "systemApis", k.feed_permissions AS "feedPermissions", k.feed_id AS "feedId",
              k.user_id AS "userId", u.user_name AS "userName", u.enabled AS "userEnabled",
              k.expires_at AS "expiresAt", k.revoked_at IS NOT NULL AS revoked
         FROM api_keys k LEFT JOIN users u ON u.id = k.user_id
        WHERE k.secret_hash = $1`,
      [secretHash],
    );
    return rows[0] ?? null;
  }

  /** Records use at most once a minute per key (a write per request would be a hot row). */
  async touchKey(id: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE api_keys SET last_used_at = now()
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [id],
    );
  }

  async findSession(tokenHash: Buffer, idleMinutes: number): Promise<SessionRow | null> {
    const rows: SessionRow[] = await this.dataSource.query(
      `SELECT s.id, s.csrf_token AS "csrfToken", s.user_id AS "userId", u.user_name AS "userName",
              s.last_seen_at < now() - interval '1 minute' AS stale
         FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.token_hash = $1 AND u.enabled
          AND s.last_seen_at > now() - make_interval(mins => $2)
          AND s.created_at > now() - interval '7 days'`,
      [tokenHash, idleMinutes],
    );
    return rows[0] ?? null;
  }

  async touchSession(id: number): Promise<void> {
    await this.dataSource.query(`UPDATE sessions SET last_seen_at = now() WHERE id = $1`, [id]);
  }

  /**
   * Every rule that applies to the caller (as this user, through its groups, or through the
   * pseudo-groups), at global scope and — when `feedIds` is given — on those directories; with
   * `feedIds` null, on every directory. One query.
   */
  applicableRules(
    userId: number | undefined,
    pseudoGroups: PseudoGroup[],
    feedIds: number[] | null,
  ): Promise<ApplicableRule[]> {
    const key = `rules:${userId ?? '-'}|${pseudoGroups.join(',')}|${feedIds?.join(',') ?? '*'}`;
    return this.cache.get(key, () => this.queryApplicableRules(userId, pseudoGroups, feedIds));
  }

  private async queryApplicableRules(
    userId: number | undefined,
    pseudoGroups: PseudoGroup[],
    feedIds: number[] | null,
  ): Promise<ApplicableRule[]> {
    const rows: { privileges: Privilege[]; deny: boolean; feedId: number | null; principalRank: number }[] =
      await this.dataSource.query(
        `SELECT r.privileges, pr.deny, pr.feed_id AS "feedId",
                CASE WHEN pr.user_id IS NOT NULL THEN 2 WHEN pr.group_id IS NOT NULL THEN 1 ELSE 0 END AS "principalRank"
           FROM privilege_rules pr JOIN roles r ON r.id = pr.role_id
          WHERE ($3::int[] IS NULL OR pr.feed_id IS NULL OR pr.feed_id = ANY($3::int[]))
            AND (pr.pseudo_group = ANY($2::text[])
                 OR pr.user_id = $1
                 OR pr.group_id IN (SELECT group_id FROM group_members WHERE user_id = $1))`,
        [userId ?? null, pseudoGroups, feedIds],
      );
    return rows;
  }
}
