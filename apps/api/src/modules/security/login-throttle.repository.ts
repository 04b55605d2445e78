import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CoherentCache } from '../../database/coherent-cache.service';

export interface UserCredentialRow {
  id: number;
  userName: string;
  enabled: boolean;
  passwordHash: string;
  /** [ext] 'builtin' | 'ldap' | 'oidc' (issue 19). */
  source: 'builtin' | 'ldap' | 'oidc';
  /** [ext] The LDAP DN or OIDC `iss|sub`; null for built-in users. */
  externalId: string | null;
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

/** Seconds until the pair ($2) and address ($3) may try again, or null; $4-$7 as {@link throttleParameters}. */
const RETRY_AFTER_SQL = `(SELECT nullif(greatest(max(ceil(extract(epoch FROM
                        t.last_failed_at
                        + make_interval(secs => least(power(2, least(t.failures - t.free, 30)), $7))
                        - now()))), 0), 0)::int
                 FROM (SELECT k.*, CASE WHEN k.key = $2 THEN $5::int ELSE $6::int END AS free
                         FROM login_throttle k WHERE k.key IN ($2, $3)) t
                WHERE t.last_failed_at > now() - make_interval(mins => $4)
                  AND t.failures >= t.free)`;

function throttleParameters(throttle: ThrottleQuery): unknown[] {
  return [
    throttle.pairKey,
    throttle.addressKey,
    throttle.windowMinutes,
    throttle.freePairFailures,
    throttle.freeAddressFailures,
    throttle.maxDelaySeconds,
  ];
}

/**
 * `login_throttle`: failed password attempts per (user name, address) and per address. The check
 * rides on the user lookup of every password sign-in, so `findUserForPasswordCheck` reads the
 * `users` row in the same round trip (read only; users are UsersRepository's). Raw SQL: upserts
 * and time arithmetic the entity API cannot express.
 */
@Injectable()
export class LoginThrottleRepository {
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
      'login',
      `${nameLower}\0${throttle.pairKey}\0${throttle.addressKey}`,
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
              u.source, u.external_id AS "externalId",
              ${RETRY_AFTER_SQL} AS "retryAfter"
         FROM (SELECT 1) AS one LEFT JOIN users u ON u.name_lower = $1`,
      [nameLower, ...throttleParameters(throttle)],
    );
    const row = rows[0];
    const user = row.id === null || row.id === undefined ? null : (row as UserCredentialRow);
    return { user, retryAfter: row.retryAfter };
  }

  /**
   * [ext] For passwords that are not a user's (a share link's): how many seconds until attempts for the
   * pair and the address are allowed again (null: now), read afresh (no cache: a delay ends with time).
   */
  async retryAfter(throttle: ThrottleQuery): Promise<number | null> {
    const rows: { retryAfter: number | null }[] = await this.dataSource.query(
      // $1 (a user's name in the query above) is not needed here.
      `SELECT ${RETRY_AFTER_SQL} AS "retryAfter", $1::text AS unused`,
      [null, ...throttleParameters(throttle)],
    );
    return rows[0]?.retryAfter ?? null;
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
}
