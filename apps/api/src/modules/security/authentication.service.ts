import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditAction, CredentialKind, ErrorCode } from '@stockroom/contracts';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Principal } from '../../common/auth/principal';
import { anonymous } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { AuditService } from '../audit/audit.service';
import { unauthorized } from './access.service';
import { Credential, PresentedCredentials } from './credentials';
import { ApiKeysRepository, KeyRow } from './api-keys.repository';
import { LoginThrottleRepository } from './login-throttle.repository';
import { SessionsRepository } from './sessions.repository';
import { LoginThrottleService } from './login-throttle.service';
import { PasswordService } from './password.service';
import { SignedUrlsService } from './signed-urls.service';
import { systemKeyPrivileges } from './privilege-evaluation';
import { ExternalIdentitiesService } from './external-identities.service';
import { LdapService } from './ldap.service';
import type { UserCredentialRow } from './login-throttle.repository';
import type { UserEntity } from './user.entity';

export interface Authenticated {
  principal: Principal;
  /** The session's CSRF token, when the caller is a console session. */
  csrfToken?: string;
  /** A session cookie was sent but is unknown or expired: the caller should forget it. */
  staleSession?: boolean;
}

/** [ext] The directory's answer to a password, the user signed in when it is yes. */
type DirectorySignIn = { ok: true; user: UserEntity } | { ok: false; reason: string };

export function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

const MAX_SECRET_LENGTH = 4096;
/** A "no longer there" answer: briefly, so a flood with a dead user's key does not flood the directory. */
const DIRECTORY_REFUSAL_MS = 10_000;
const DAY_MS = 86_400_000;

/**
 * Turns a request's credentials (spec §6, first match wins) into a principal. A credential that
 * does not check out is 401 — never silently anonymous — and is recorded in the audit log.
 */
@Injectable()
export class AuthenticationService {
  private readonly logger = new Logger('Authentication');
  /** When this node last recorded each key's use: at most one write per key per minute. */
  private readonly keyTouched = new Map<number, number>();
  /** Each HTTP request's authentication (see authenticateRequest); gone with the request. */
  private readonly byRequest = new WeakMap<object, Promise<Authenticated>>();
  /**
   * [ext] Per LDAP user id: a generation in the key their cached passwords are remembered under (bumped
   * when the directory says no: every earlier success is forgotten), and the directory's last answer.
   */
  private readonly directoryGeneration = new Map<number, number>();
  private readonly directoryChecked = new Map<number, { until: number; ok: boolean }>();
  private readonly directoryInFlight = new Map<string, Promise<DirectorySignIn>>();
  private readonly lookupInFlight = new Map<number, Promise<boolean>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly apiKeys: ApiKeysRepository,
    private readonly sessions: SessionsRepository,
    private readonly loginThrottle: LoginThrottleRepository,
    private readonly passwords: PasswordService,
    private readonly throttle: LoginThrottleService,
    private readonly audit: AuditService,
    private readonly signedUrls: SignedUrlsService,
    private readonly ldap: LdapService,
    private readonly externalIdentities: ExternalIdentitiesService,
  ) {}

  /**
   * {@link authenticate} once per HTTP request, whoever asks first: the download fast path and, for a
   * request it hands on to Express, the guard get the same answer (a wrong password counts once).
   */
  authenticateRequest(req: object, presented: PresentedCredentials): Promise<Authenticated> {
    let answer = this.byRequest.get(req);
    if (!answer) {
      answer = this.authenticate(presented);
      this.byRequest.set(req, answer);
    }
    return answer;
  }

  async authenticate({ credential, address }: PresentedCredentials): Promise<Authenticated> {
    switch (credential.kind) {
      case 'signed-url':
        return { principal: this.signedUrls.authenticate(credential.request, address) };
      case 'none':
        return { principal: anonymous(address) };
      case 'malformed':
        throw unauthorized(credential.reason);
      case 'key':
        return { principal: await this.byKey(credential.key, address) };
      case 'password': {
        const kind = credential.via === 'x-apikey' ? 'pseudo-key' : 'password';
        return { principal: await this.byPassword(credential.userName, credential.password, address, kind) };
      }
      case 'session':
        return this.bySession(credential, address);
    }
  }

  /** For the console's sign-in form: the same checks and throttling as Basic authentication. */
  signIn(userName: string, password: string, address: string): Promise<Principal> {
    return this.byPassword(userName, password, address, 'session');
  }

  /** Checks a user's current password (changing it asks for it again). */
  async checkPassword(userId: number, userName: string, password: string, address: string): Promise<boolean> {
    try {
      return (await this.byPassword(userName, password, address, 'password')).userId === userId;
    } catch (e) {
      if (e instanceof AppError && e.code === ErrorCode.Unauthorized) return false;
      throw e;
    }
  }

  /** The caller sent back its session's CSRF token. */
  static csrfMatches(sent: string | undefined, expected: string): boolean {
    if (sent === undefined || sent.length !== expected.length) return false;
    return timingSafeEqual(Buffer.from(sent), Buffer.from(expected));
  }

  private async findKey(secret: string): Promise<KeyRow | null> {
    if (secret.length > MAX_SECRET_LENGTH) return null;
    const hash = sha256(secret);
    const row = await this.apiKeys.findBySecret(hash);
    // The index lookup found it by hash; compare once more in constant time before trusting it.
    if (!row || !timingSafeEqual(row.secretHash, hash)) return null;
    if (row.revoked || (row.expiresAt !== null && row.expiresAt.getTime() <= Date.now())) return null;
    if (row.type === 'Personal' && !row.userEnabled) return null;
    return row;
  }

  private async byKey(secret: string, address: string): Promise<Principal> {
    const key = await this.findKey(secret);
    if (!key) {
      await this.failed(null, 'api-key', address, 'unknown, expired or revoked API key');
      throw unauthorized('The API key is not valid (unknown, expired or revoked).');
    }
    const externalProblem = await this.externalKeyProblem(key);
    if (externalProblem) {
      await this.failed(key.userName, 'api-key', address, externalProblem);
      throw unauthorized(`The API key is not valid: ${externalProblem}.`);
    }
    return this.keyPrincipal(key, address);
  }

  /**
   * [ext] A personal key of an external user (issue 19): an LDAP user's works while the directory still
   * finds them under the same DN (asked on use, answer kept a minute); an OIDC user's while they signed
   * in within STOCKROOM_OIDC_KEY_MAX_IDLE_DAYS. Null: fine.
   */
  private async externalKeyProblem(key: KeyRow): Promise<string | null> {
    if (key.type !== 'Personal' || key.userId === null) return null;
    if (key.userSource === 'ldap') {
      if (!this.ldap.enabled) return 'its user signs in through LDAP, which is not configured';
      const ok = await this.directoryStillHas(key.userId, key.userName ?? '', key.userExternalId ?? '');
      return ok ? null : 'its user is no longer in the directory';
    }
    if (key.userSource === 'oidc') {
      const days = this.config.oidc?.keyMaxIdleDays;
      if (days === undefined) return 'its user signs in through OpenID Connect, which is not configured';
      const last = key.userLastSignInAt ? new Date(key.userLastSignInAt).getTime() : 0;
      if (last < Date.now() - days * DAY_MS) return `its user has not signed in for more than ${days} days`;
    }
    return null;
  }

  /** [ext] How long the directory's "still there" answer for an LDAP user stands (API keys, cached passwords). */
  private get directoryCheckMs(): number {
    return (this.config.ldap?.cacheSeconds ?? 60) * 1000;
  }

  /** [ext] Whether the directory still has this LDAP user (by name, same DN); 503 when it cannot be asked. */
  private async directoryStillHas(userId: number, userName: string, dn: string): Promise<boolean> {
    const now = Date.now();
    const known = this.directoryChecked.get(userId);
    if (known && known.until > now) return known.ok;
    let running = this.lookupInFlight.get(userId);
    if (!running) {
      // One question at a time per user: a busy key must not ask the directory once per connection.
      running = this.ldap
        .lookup(userName, dn)
        .then((found) => {
          const ok = found !== null;
          if (this.directoryChecked.size > 10_000) this.directoryChecked.clear();
          const ttl = ok ? this.directoryCheckMs : Math.min(DIRECTORY_REFUSAL_MS, this.directoryCheckMs);
          this.directoryChecked.set(userId, { ok, until: Date.now() + ttl });
          if (!ok) this.forgetDirectoryPasswords(userId);
          return ok;
        })
        .finally(() => this.lookupInFlight.delete(userId));
      this.lookupInFlight.set(userId, running);
    }
    return running;
  }

  private directoryKey(user: { id: number; externalId: string | null }): string {
    return `ldap\0${user.externalId ?? ''}\0${this.directoryGeneration.get(user.id) ?? 0}`;
  }

  /** The directory said no: passwords remembered for this user no longer count. */
  private forgetDirectoryPasswords(userId: number): void {
    if (this.directoryGeneration.size > 10_000) this.directoryGeneration.clear();
    this.directoryGeneration.set(userId, (this.directoryGeneration.get(userId) ?? 0) + 1);
  }

  private keyPrincipal(key: KeyRow, address: string): Principal {
    const now = Date.now();
    if ((this.keyTouched.get(key.id) ?? 0) < now - 60_000) {
      if (this.keyTouched.size > 10_000) this.keyTouched.clear();
      this.keyTouched.set(key.id, now);
      this.apiKeys.touch(key.id).catch((e) => this.logger.warn(`Recording key use failed: ${(e as Error).message}`));
    }
    const principal: Principal = { kind: 'api-key', name: '', credential: 'api-key', address, key: { id: key.id } };
    if (key.type === 'Personal' && key.userId !== null) {
      // Acts as its user, never more: no grant of its own, the user's rules decide.
      return { ...principal, name: key.userName ?? '', userId: key.userId };
    }
    const label = key.displayName || `API key #${key.id}`;
    if (key.type === 'Feed' && key.feedId !== null) {
      return {
        ...principal,
        name: label,
        key: { id: key.id, grant: { type: 'feed', feedId: key.feedId, permissions: key.feedPermissions } },
      };
    }
    return {
      ...principal,
      name: label,
      key: { id: key.id, grant: { type: 'system', privileges: systemKeyPrivileges(key.systemApis) } },
    };
  }

  private async byPassword(
    rawName: string,
    password: string,
    address: string,
    credential: CredentialKind,
  ): Promise<Principal> {
    const userName = rawName.normalize('NFC');
    const nameLower = userName.toLowerCase();
    const fail = async (reason: string): Promise<never> => {
      await this.failed(userName, credential, address, reason);
      throw unauthorized('Wrong user name or password.');
    };
    // A NUL reaches neither PostgreSQL (which refuses it in text) nor a directory's filter.
    if (
      userName.length === 0 ||
      userName.length > 200 ||
      userName.includes('\0') ||
      password.length > MAX_SECRET_LENGTH
    ) {
      return fail('malformed user name or password');
    }
    // One query: the user, and whether this name from this address, or this address, must wait
    // (checked even when the password would come from the cache: a delayed guesser must not get
    // 200 for the right password).
    const { user, retryAfter } = await this.loginThrottle.findUserForPasswordCheck(
      nameLower,
      this.throttle.query(userName, address),
    );
    if (retryAfter !== null) throw this.throttle.delayed(retryAfter);
    if (user && user.source !== 'builtin') {
      return this.byExternalPassword(user, userName, password, address, credential, fail);
    }
    if (!user) {
      if (this.ldap.enabled) return this.byExternalPassword(null, userName, password, address, credential, fail);
      await this.passwords.burn(password);
      await this.throttle.failed(userName, address);
      return fail('unknown user');
    }
    // A recent success with this exact stored hash and password skips the slow hash (see PasswordService).
    if (!this.passwords.isCached(user.passwordHash, password)) {
      if (!(await this.passwords.verify(user.passwordHash, password))) {
        await this.throttle.failed(userName, address);
        await this.refuseDirectoryNameClash(userName, password, address, credential);
        return fail('wrong password');
      }
      await this.throttle.succeeded(userName, address);
    }
    if (!user.enabled) return fail('account disabled');
    return { kind: 'user', name: user.userName, userId: user.id, credential, address };
  }

  /**
   * [ext] A password for a name that is not a built-in user's (issue 19): LDAP users — known, or new
   * (created at first sign-in) — are checked against the directory, with the same throttling and the same
   * short verification cache as built-in passwords. OIDC users have no password.
   */
  private async byExternalPassword(
    user: UserCredentialRow | null,
    userName: string,
    password: string,
    address: string,
    credential: CredentialKind,
    fail: (reason: string) => Promise<never>,
  ): Promise<Principal> {
    if (user?.source === 'oidc' || !this.ldap.enabled) {
      await this.passwords.burn(password);
      await this.throttle.failed(userName, address);
      return fail(user?.source === 'oidc' ? 'signs in through OpenID Connect' : 'LDAP is not configured');
    }
    if (password.length === 0) {
      // Never sent to the directory: an unauthenticated bind "succeeds".
      await this.throttle.failed(userName, address);
      return fail('empty password');
    }
    // A console sign-in always asks the directory (and so refreshes the groups); per-request passwords
    // (Basic, X-ApiKey user:password, WebDAV) use the short verification cache.
    if (user && credential !== 'session' && this.passwords.isCached(this.directoryKey(user), password)) {
      if (!(await this.directoryStillHas(user.id, user.userName, user.externalId ?? ''))) {
        return fail('no longer in the directory');
      }
      if (!user.enabled) return fail('account disabled');
      return { kind: 'user', name: user.userName, userId: user.id, credential, address };
    }
    if (user && !user.enabled) return fail('account disabled'); // before asking: a right password gets it nothing
    const answer = await this.directorySignIn(userName, password, address, credential);
    if (!answer.ok) {
      if (user) this.forgetDirectoryPasswords(user.id);
      await this.throttle.failed(userName, address);
      return fail(
        answer.reason === 'not found' ? (user ? 'no longer in the directory' : 'unknown user') : answer.reason,
      );
    }
    await this.throttle.succeeded(userName, address);
    return { kind: 'user', name: answer.user.userName, userId: answer.user.id, credential, address };
  }

  /**
   * [ext] Asks the directory and, when it says yes, signs the user in (just in time, groups refreshed).
   * Concurrent requests with the same name and password share one exchange: when a remembered password
   * expires under load, 64 connections must not bind 64 times (nor sync the same groups 64 times).
   */
  private directorySignIn(
    userName: string,
    password: string,
    address: string,
    credential: CredentialKind,
  ): Promise<DirectorySignIn> {
    const key = createHash('sha256').update(userName.toLowerCase()).update('\0').update(password).digest('base64');
    let running = this.directoryInFlight.get(key);
    if (!running) {
      running = (async (): Promise<DirectorySignIn> => {
        const answer = await this.ldap.authenticate(userName, password);
        if (!answer.ok) return answer;
        const user = await this.externalIdentities.signIn(
          {
            source: 'ldap',
            externalId: answer.user.dn,
            userName: answer.user.userName,
            displayName: answer.user.displayName,
            email: answer.user.email,
            groups: answer.user.groups,
          },
          address,
          credential,
        );
        this.passwords.remember(this.directoryKey(user), password);
        this.directoryChecked.set(user.id, { ok: true, until: Date.now() + this.directoryCheckMs });
        return { ok: true, user };
      })().finally(() => this.directoryInFlight.delete(key));
      this.directoryInFlight.set(key, running);
    }
    return running;
  }

  /**
   * [ext] A built-in user's password was wrong: if the directory accepts it for the same name, a directory
   * user is trying to sign in under a built-in user's name — refused (403) and audited, never merged.
   */
  private async refuseDirectoryNameClash(
    userName: string,
    password: string,
    address: string,
    credential: CredentialKind,
  ): Promise<void> {
    if (!this.ldap.enabled || password.length === 0) return;
    const answer = await this.ldap.authenticate(userName, password).catch(() => null);
    if (!answer?.ok) return;
    await this.audit.recordAs({ userName, credential, address }, AuditAction.SsoRefused, {
      target: userName,
      details: { source: 'ldap', reason: 'user name taken', externalId: answer.user.dn },
    });
    throw new AppError(
      ErrorCode.Forbidden,
      `The user name "${userName}" from the directory (LDAP) belongs to a built-in user in Stockroom; accounts are ` +
        'never merged. An administrator must rename or delete one of them.',
    );
  }

  private async bySession(
    credential: Extract<Credential, { kind: 'session' }>,
    address: string,
  ): Promise<Authenticated> {
    const session = await this.sessions.findByToken(sha256(credential.token), this.config.security.sessionIdleMinutes);
    if (!session) return { principal: anonymous(address), staleSession: true };
    if (session.stale) {
      this.sessions.touch(session.id).catch((e) => this.logger.warn(`Session touch failed: ${(e as Error).message}`));
    }
    return {
      principal: {
        kind: 'user',
        name: session.userName,
        userId: session.userId,
        credential: 'session',
        address,
        sessionId: session.id,
      },
      csrfToken: session.csrfToken,
    };
  }

  private async failed(
    userName: string | null,
    credential: CredentialKind,
    address: string,
    reason: string,
  ): Promise<void> {
    await this.audit.recordAs({ userName, credential, address }, AuditAction.LoginFailed, { details: { reason } });
  }
}
