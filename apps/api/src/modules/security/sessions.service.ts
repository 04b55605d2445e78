import { Inject, Injectable } from '@nestjs/common';
import { AuditAction, CurrentPrincipal, LoginRequest, Privilege } from '@stockroom/contracts';
import { randomBytes } from 'node:crypto';
import type { Principal } from '../../common/auth/principal';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { AuditService } from '../audit/audit.service';
import { AccessService } from './access.service';
import { AuthenticationService, sha256 } from './authentication.service';
import { LoginThrottleService } from './login-throttle.service';
import { SessionsRepository } from './sessions.repository';
import { UsersRepository } from './users.repository';

export interface NewSession {
  principal: Principal;
  token: string;
  csrfToken: string;
}

/** Console sign-in: a random session token in an httpOnly cookie, stored only as its hash. */
@Injectable()
export class SessionsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sessions: SessionsRepository,
    private readonly users: UsersRepository,
    private readonly authentication: AuthenticationService,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly loginThrottle: LoginThrottleService,
  ) {}

  async signIn({ userName, password }: LoginRequest, address: string): Promise<NewSession> {
    return this.signInAs(await this.authentication.signIn(userName, password, address));
  }

  /**
   * A session for a user proven by a sign-in (the password form, or single sign-on: `details` say
   * how), recorded in the audit log.
   */
  async signInAs(principal: Principal, details?: Record<string, unknown>): Promise<NewSession> {
    const session = await this.open(principal);
    await this.audit.record(session.principal, AuditAction.LoginSucceeded, details ? { details } : {});
    // Sign-ins are rare enough to carry the housekeeping of expired sessions and stale counts.
    await this.sessions.purgeExpiredSessions(this.config.security.sessionIdleMinutes);
    await this.loginThrottle.purgeStale();
    return session;
  }

  /** A new session for a user already proven (after sign-in, or after changing the password). */
  async open(principal: Principal): Promise<NewSession> {
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    await this.sessions.insertSession({
      tokenHash: sha256(token),
      csrfToken,
      userId: principal.userId as number,
      address: principal.address.slice(0, 64),
    });
    return { principal: { ...principal, credential: 'session' }, token, csrfToken };
  }

  async signOut(actor: Principal): Promise<void> {
    if (actor.sessionId === undefined) return;
    await this.sessions.deleteSession(actor.sessionId);
    await this.audit.record(actor, AuditAction.Logout);
  }

  async describe(actor: Principal): Promise<CurrentPrincipal> {
    const privileges = [...(await this.access.privileges(actor))];
    const order = Object.values(Privilege);
    privileges.sort((a, b) => order.indexOf(a) - order.indexOf(b));
    if (actor.kind === 'anonymous') {
      return {
        authenticated: false,
        userName: null,
        displayName: 'Anonymous',
        credential: actor.credential,
        privileges,
      };
    }
    const user = actor.userId === undefined ? null : await this.users.findUserById(actor.userId);
    return {
      authenticated: true,
      userName: user?.userName ?? null,
      displayName: user?.displayName || actor.name,
      credential: actor.credential,
      privileges,
      ...(user ? { source: user.source } : {}),
    };
  }
}
