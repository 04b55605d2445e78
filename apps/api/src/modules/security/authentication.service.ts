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

export interface Authenticated {
  principal: Principal;
  /** The session's CSRF token, when the caller is a console session. */
  csrfToken?: string;
  /** A session cookie was sent but is unknown or expired: the caller should forget it. */
  staleSession?: boolean;
}

export function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

const MAX_SECRET_LENGTH = 4096;

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

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly apiKeys: ApiKeysRepository,
    private readonly sessions: SessionsRepository,
    private readonly loginThrottle: LoginThrottleRepository,
    private readonly passwords: PasswordService,
    private readonly throttle: LoginThrottleService,
    private readonly audit: AuditService,
    private readonly signedUrls: SignedUrlsService,
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
    const idle = this.idleOidcOwner(key);
    if (idle) {
      await this.failed(key.userName, 'api-key', address, 'OIDC user has not signed in recently');
      throw unauthorized(idle);
    }
    return this.keyPrincipal(key, address);
  }

  /**
   * An OIDC user's personal keys work while the user signs in to the console now and then (issue 19:
   * Stockroom cannot ask the identity provider whether the user still exists): within
   * STOCKROOM_OIDC_KEY_MAX_IDLE_DAYS of the last sign-in. The reason, when not.
   */
  private idleOidcOwner(key: KeyRow): string | undefined {
    if (key.type !== 'Personal' || key.userSource !== 'oidc') return undefined;
    const days = this.config.oidc?.keyMaxIdleDays ?? 90;
    const last = key.userLastSignInAt === null ? 0 : new Date(key.userLastSignInAt).getTime();
    if (last > Date.now() - days * 86_400_000) return undefined;
    return (
      `The API key's user "${key.userName ?? ''}" signs in with single sign-on and has not signed in for ` +
      `${days} days: the key works again once they sign in to the console.`
    );
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
    if (userName.length === 0 || userName.length > 200 || password.length > MAX_SECRET_LENGTH) {
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
    if (!user) {
      await this.passwords.burn(password);
      await this.throttle.failed(userName, address);
      return fail('unknown user');
    }
    // A recent success with this exact stored hash and password skips the slow hash (see PasswordService).
    if (!this.passwords.isCached(user.passwordHash, password)) {
      if (!(await this.passwords.verify(user.passwordHash, password))) {
        await this.throttle.failed(userName, address);
        return fail('wrong password');
      }
      await this.throttle.succeeded(userName, address);
    }
    if (!user.enabled) return fail('account disabled');
    return { kind: 'user', name: user.userName, userId: user.id, credential, address };
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
