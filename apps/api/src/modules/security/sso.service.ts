import { Inject, Injectable } from '@nestjs/common';
import type { LdapTestResult, SsoSettings } from '@stockroom/contracts';
import { AppError } from '../../common/errors/app-error';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { LdapService } from './ldap.service';

/** What single sign-on is configured (no secrets), and the administrators' "Test LDAP login" tool (issue 19). */
@Injectable()
export class SsoService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly ldap: LdapService,
  ) {}

  settings(): SsoSettings {
    const { ldap, oidc, baseUrl } = this.config;
    return {
      ldap: ldap
        ? {
            enabled: true,
            url: ldap.url,
            startTls: ldap.startTls,
            userBase: ldap.userBase,
            userFilter: ldap.userFilter,
            groupBase: ldap.groupBase,
            groupFilter: ldap.groupFilter,
          }
        : { enabled: false },
      oidc: oidc
        ? {
            enabled: true,
            issuer: oidc.issuer,
            clientId: oidc.clientId,
            scopes: oidc.scopes,
            groupsClaim: oidc.groupsClaim,
            usernameClaim: oidc.usernameClaim,
            providerName: oidc.providerName ?? new URL(oidc.issuer).hostname,
            loginUrl: '/api/security/oidc/login',
            ...(baseUrl ? { redirectUri: `${baseUrl}/api/security/oidc/callback` } : {}),
          }
        : { enabled: false },
    };
  }

  /** Tries a sign-in against the directory; creates and changes nothing here (no user, no group, no throttle). */
  async testLdap(userName: string, password: string): Promise<LdapTestResult> {
    if (!this.ldap.enabled) return { ok: false, error: 'LDAP is not configured (STOCKROOM_LDAP_URL).' };
    const started = Date.now();
    const elapsedMs = () => Date.now() - started;
    try {
      const answer = await this.ldap.authenticate(userName.normalize('NFC'), password);
      if (!answer.ok) {
        const error = {
          'not found': `No entry matches the user filter for "${userName}" (or several do).`,
          'wrong password': 'The directory refused the password.',
          'empty password': 'An empty password is never sent to the directory.',
        }[answer.reason];
        return { ok: false, error, elapsedMs: elapsedMs() };
      }
      const { dn, displayName, email, groups } = answer.user;
      return { ok: true, dn, displayName, email, groups, elapsedMs: elapsedMs() };
    } catch (e) {
      if (e instanceof AppError) return { ok: false, error: e.message, elapsedMs: elapsedMs() };
      throw e;
    }
  }
}
