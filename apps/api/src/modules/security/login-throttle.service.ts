import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode } from '@stockroom/contracts';
import { DataSource } from 'typeorm';
import { AppError } from '../../common/errors/app-error';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { CoherentCache } from '../../database/coherent-cache.service';
import type { ThrottleQuery } from './identity.repository';

/**
 * Slows password guessing, per user name and per client address, across every node (the counts
 * live in PostgreSQL). Once a key has failed its limit within the window, password attempts for
 * it are refused with 429 until the window runs out — the right password too, so a locked-out
 * attacker learns nothing — and a success clears the user's count. The lock-out check rides on
 * the user lookup (one query; see IdentityRepository).
 * API keys are not throttled: a random 128-bit secret cannot be guessed.
 */
@Injectable()
export class LoginThrottleService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly cache: CoherentCache,
  ) {}

  /** What the password check's lookup needs to tell whether this name or address is locked out. */
  query(userName: string, address: string): ThrottleQuery {
    const { loginFailuresPerUser, loginFailuresPerAddress, loginWindowMinutes } = this.config.security;
    return {
      userKey: userKey(userName),
      addressKey: addressKey(address),
      windowMinutes: loginWindowMinutes,
      maxUserFailures: loginFailuresPerUser,
      maxAddressFailures: loginFailuresPerAddress,
    };
  }

  lockedOut(retryAfterSeconds: number): AppError {
    const retryAfter = Math.max(1, retryAfterSeconds);
    return new AppError(
      ErrorCode.TooManyRequests,
      `Too many failed sign-in attempts; try again in ${Math.ceil(retryAfter / 60)} minute(s).`,
      { 'Retry-After': String(retryAfter) },
    );
  }

  async failed(userName: string, address: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO login_throttle (key, failures, window_started_at)
       SELECT k, 1, now() FROM unnest($1::text[]) AS k
       ON CONFLICT (key) DO UPDATE SET
         failures = CASE WHEN login_throttle.window_started_at <= now() - make_interval(mins => $2) THEN 1
                         ELSE login_throttle.failures + 1 END,
         window_started_at = CASE WHEN login_throttle.window_started_at <= now() - make_interval(mins => $2) THEN now()
                                  ELSE login_throttle.window_started_at END`,
      [[userKey(userName), addressKey(address)], this.config.security.loginWindowMinutes],
    );
    // The next attempt must see this failure, even before its change notification arrives.
    this.cache.invalidate();
  }

  async succeeded(userName: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM login_throttle WHERE key = $1`, [userKey(userName)]);
  }
}

function userKey(userName: string): string {
  return `user:${userName.normalize('NFC').toLowerCase()}`.slice(0, 200);
}

function addressKey(address: string): string {
  return `addr:${address}`;
}
