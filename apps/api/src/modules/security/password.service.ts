import { Injectable } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';

/** @node-rs/argon2's `Algorithm.Argon2id` (a const enum, which isolated modules cannot import). */
const ARGON2ID = 2;
import { createHmac, randomBytes } from 'node:crypto';

/** How long a successful verification is remembered; a changed password is a new stored hash. */
const CACHE_TTL_MS = 5 * 60_000;
const CACHE_MAX = 10_000;

/**
 * Password hashing (argon2id via @node-rs/argon2, OWASP's recommended parameters) and a short
 * cache of successful verifications. pgutil sends `user:password` on every request and a 20 ms
 * hash per request would cap the server, so a success is remembered under
 * HMAC(process secret, stored hash ‖ password): nothing in memory can be turned back into the
 * password, and changing the password (a new stored hash) makes every old entry unreachable on
 * every node. Failures are never cached. Disabled users and deleted users are checked by the
 * caller on every request regardless.
 */
@Injectable()
export class PasswordService {
  private readonly secret = randomBytes(32);
  private readonly verified = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<boolean>>();

  hash(password: string): Promise<string> {
    return hash(password, { algorithm: ARGON2ID });
  }

  /** True when this password was verified against this stored hash within the last minutes. */
  isCached(storedHash: string, password: string): boolean {
    const until = this.verified.get(this.cacheKey(storedHash, password));
    return until !== undefined && until > Date.now();
  }

  /**
   * Verifies, remembering a success. Concurrent checks of the same password against the same hash
   * share one argon2 run: when a remembered success expires under load, 64 connections must not
   * hash 64 times at once.
   */
  verify(storedHash: string, password: string): Promise<boolean> {
    if (this.isCached(storedHash, password)) return Promise.resolve(true);
    const cacheKey = this.cacheKey(storedHash, password);
    let running = this.inFlight.get(cacheKey);
    if (!running) {
      running = Promise.resolve()
        .then(() => verify(storedHash, password))
        .catch(() => false)
        .then((ok) => {
          if (ok) {
            if (this.verified.size >= CACHE_MAX) this.evict();
            this.verified.set(cacheKey, Date.now() + CACHE_TTL_MS);
          }
          return ok;
        })
        .finally(() => this.inFlight.delete(cacheKey));
      this.inFlight.set(cacheKey, running);
    }
    return running;
  }

  /**
   * [ext] Remembers a password another party verified (a directory's bind, issue 19) under a key that
   * stands for the stored hash: the user's directory entry and a generation the caller changes to
   * forget every earlier success (the directory said no).
   */
  remember(key: string, password: string): void {
    if (this.verified.size >= CACHE_MAX) this.evict();
    this.verified.set(this.cacheKey(key, password), Date.now() + CACHE_TTL_MS);
  }

  /** Verifies against a throwaway hash so an unknown user costs as much as a known one. */
  async burn(password: string): Promise<void> {
    this.dummy ??= this.hash(randomBytes(16).toString('hex'));
    await verify(await this.dummy, password).catch(() => false);
  }

  private dummy?: Promise<string>;

  private cacheKey(storedHash: string, password: string): string {
    return createHmac('sha256', this.secret).update(storedHash).update('\0').update(password).digest('base64');
  }

  private evict(): void {
    const now = Date.now();
    for (const [key, until] of this.verified) if (until <= now) this.verified.delete(key);
    // Still full of live entries: drop the oldest half (Map iterates in insertion order).
    if (this.verified.size >= CACHE_MAX) {
      let drop = this.verified.size / 2;
      for (const key of this.verified.keys()) {
        if (drop-- <= 0) break;
        this.verified.delete(key);
      }
    }
  }
}
