import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode } from '@stockroom/contracts';
import { createHash } from 'node:crypto';
import { AppError } from '../../common/errors/app-error';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { CoherentCache } from '../../database/coherent-cache.service';
import { LoginThrottleRepository, type ThrottleQuery } from './login-throttle.repository';

/**
 * Slows password guessing with progressive delays, never with a lock-out that anyone could trigger
 * for someone else. Two counts, in PostgreSQL so that every node sees the same failures:
 *
 * - per (user name, client address): after `STOCKROOM_LOGIN_FAILURES_PER_USER` failures, each
 *   further attempt for that name from that address must wait 1 s, 2 s, 4 s… after the last
 *   failure (at most half of `STOCKROOM_LOGIN_WINDOW_MINUTES`), else 429 with Retry-After;
 * - per client address, across names: the same after `STOCKROOM_LOGIN_FAILURES_PER_ADDRESS`.
 *
 * A key's count is forgotten after a window without failures; a success clears the pair's count.
 * While delayed, the right password is answered 429 too (a guesser must not tell it apart), but
 * only from the failing address: the same user signing in from anywhere else is not affected.
 * The check rides on the user lookup (one query; see LoginThrottleRepository).
 * API keys are not throttled: a random 128-bit secret cannot be guessed.
 */
@Injectable()
export class LoginThrottleService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: LoginThrottleRepository,
    private readonly cache: CoherentCache,
  ) {}

  /** What the password check's lookup needs to tell whether this name and address must wait. */
  query(userName: string, address: string): ThrottleQuery {
    const { loginFailuresPerUser, loginFailuresPerAddress, loginWindowMinutes } = this.config.security;
    return {
      pairKey: pairKey(userName, address),
      addressKey: addressKey(address),
      freePairFailures: loginFailuresPerUser,
      freeAddressFailures: loginFailuresPerAddress,
      windowMinutes: loginWindowMinutes,
      maxDelaySeconds: maxDelaySeconds(loginWindowMinutes),
    };
  }

  delayed(retryAfterSeconds: number): AppError {
    const retryAfter = Math.max(1, retryAfterSeconds);
    const wait = retryAfter < 120 ? `${retryAfter} second(s)` : `${Math.ceil(retryAfter / 60)} minute(s)`;
    return new AppError(
      ErrorCode.TooManyRequests,
      `Too many failed sign-in attempts from your address; try again in ${wait}.`,
      { retryAfterSeconds: retryAfter },
    );
  }

  async failed(userName: string, address: string): Promise<void> {
    await this.repository.recordLoginFailures(
      [pairKey(userName, address), addressKey(address)],
      this.config.security.loginWindowMinutes,
    );
    // The next attempt must see this failure, even before its change notification arrives, and
    // whichever worker of this server it reaches.
    await this.cache.invalidateEverywhere([{ kind: 'namespace', namespace: 'login' }]);
  }

  /** The pair's count only: an address that guessed at other names keeps its own count. */
  async succeeded(userName: string, address: string): Promise<void> {
    await this.repository.clearLoginFailures(pairKey(userName, address));
  }

  /**
   * [ext] A share link's password (issue 18): the same progressive delays, counted per (link, address)
   * and per address (the same address count as sign-ins: one guesser, whatever it guesses). Throws 429
   * while the caller must wait.
   */
  async checkSharePassword(shareId: number, address: string): Promise<void> {
    const query = { ...this.query('', address), pairKey: sharePairKey(shareId, address) };
    const retryAfter = await this.repository.retryAfter(query);
    if (retryAfter !== null) throw this.delayed(retryAfter);
  }

  async sharePasswordFailed(shareId: number, address: string): Promise<void> {
    await this.repository.recordLoginFailures(
      [sharePairKey(shareId, address), addressKey(address)],
      this.config.security.loginWindowMinutes,
    );
    await this.cache.invalidateEverywhere([{ kind: 'namespace', namespace: 'login' }]);
  }

  async sharePasswordSucceeded(shareId: number, address: string): Promise<void> {
    await this.repository.clearLoginFailures(sharePairKey(shareId, address));
  }

  /** Housekeeping: drops the counts idle for a whole window. */
  async purgeStale(): Promise<void> {
    await this.repository.purgeStaleLoginFailures(this.config.security.loginWindowMinutes);
  }
}

/** Delays double up to half the window, so that a patient guesser never outwaits the count. */
function maxDelaySeconds(windowMinutes: number): number {
  return Math.max(1, Math.floor((windowMinutes * 60) / 2));
}

function pairKey(userName: string, address: string): string {
  const name = userName.normalize('NFC').toLowerCase();
  return `pair:${createHash('sha256').update(`${name}\0${address}`, 'utf8').digest('hex')}`;
}

function sharePairKey(shareId: number, address: string): string {
  return `share:${createHash('sha256').update(`${shareId}\0${address}`, 'utf8').digest('hex')}`;
}

function addressKey(address: string): string {
  return `addr:${address}`.slice(0, 200);
}
