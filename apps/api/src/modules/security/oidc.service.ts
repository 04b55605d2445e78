import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditAction, ErrorCode } from '@stockroom/contracts';
import { randomBytes } from 'node:crypto';
import type * as OpenIdClient from 'openid-client';
import type { Principal } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import { APP_CONFIG, AppConfig, OidcConfig } from '../../config/app-config';
import { AuditService } from '../audit/audit.service';
import { ExternalIdentitiesService, ExternalIdentity } from './external-identities.service';
import { groupsFromClaim, OIDC_STATE_SECONDS, OidcPending, OidcStateSigner, safeReturnTo } from './oidc-state';
import { ServerSecretsRepository } from './server-secrets.repository';
import { NewSession, SessionsService } from './sessions.service';
import { UsersRepository } from './users.repository';

type OidcLib = typeof OpenIdClient;

/**
 * `openid-client` (and its `jose`) are ESM-only while the server is CommonJS: a real `import()` that
 * neither TypeScript nor webpack rewrites into `require` (runtime-manifest.js finds `importEsm("…")`
 * in the bundle and ships the package). Loaded on the first OIDC sign-in only.
 */
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<unknown>;

const KEY_NAME = 'oidc-state-key';
const CALLBACK_PATH = '/api/security/oidc/callback';

export interface OidcLoginStart {
  /** The identity provider's authorization URL (the browser goes there). */
  url: string;
  /** The value of the state cookie ({@link OIDC_STATE_COOKIE}). */
  cookie: string;
}

export interface OidcLoginDone {
  session: NewSession;
  /** A path of this site. */
  returnTo: string;
}

/**
 * OpenID Connect sign-in for the console (issue 19): authorization code + PKCE (S256) with `state` and
 * `nonce`, the ID token checked by openid-client (signature against the provider's keys, issuer,
 * audience, expiry, nonce), then the user made or refreshed by ExternalIdentitiesService and a
 * console session opened exactly as the password sign-in opens one.
 */
@Injectable()
export class OidcService {
  private readonly logger = new Logger('OIDC');
  private lib?: Promise<OidcLib>;
  private discovered?: Promise<OpenIdClient.Configuration>;
  private signer?: Promise<OidcStateSigner>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly secrets: ServerSecretsRepository,
    private readonly identities: ExternalIdentitiesService,
    private readonly sessions: SessionsService,
    private readonly users: UsersRepository,
    private readonly audit: AuditService,
  ) {}

  get enabled(): boolean {
    return this.config.oidc !== undefined;
  }

  /** `{STOCKROOM_BASE_URL}/api/security/oidc/callback` (the base URL is required with OIDC: app-config). */
  get redirectUri(): string {
    return `${this.config.baseUrl ?? ''}${CALLBACK_PATH}`;
  }

  /** The base URL's path ('' at the root): the console's paths lie below it. */
  get basePath(): string {
    return this.config.baseUrl ? new URL(this.config.baseUrl).pathname.replace(/\/+$/, '') : '';
  }

  /** Starts a sign-in: the provider's URL to send the browser to, and the cookie that binds it here. */
  async start(returnTo: unknown): Promise<OidcLoginStart> {
    const oidc = this.settings();
    const [lib, configuration, signer] = await Promise.all([this.load(), this.configuration(), this.stateSigner()]);
    const pending: OidcPending = {
      state: lib.randomState(),
      nonce: lib.randomNonce(),
      codeVerifier: lib.randomPKCECodeVerifier(),
      returnTo: safeReturnTo(returnTo),
      expires: Math.floor(Date.now() / 1000) + OIDC_STATE_SECONDS,
    };
    const url = lib.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      scope: oidc.scopes,
      response_type: 'code',
      code_challenge: await lib.calculatePKCECodeChallenge(pending.codeVerifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url: url.href, cookie: signer.seal(pending) };
  }

  /**
   * The provider sent the browser back: checks the state against this browser's cookie, exchanges the
   * code (with the PKCE verifier), checks the ID token, signs the user in. Every refusal is audited
   * and is a 400 (401 for a token the provider or its keys do not vouch for) with the reason.
   */
  async finish(query: string, cookie: string | undefined, address: string): Promise<OidcLoginDone> {
    const oidc = this.settings();
    const refuse = async (reason: string, code = ErrorCode.BadRequest, userName: string | null = null) => {
      await this.audit.recordAs({ userName, credential: 'session', address }, AuditAction.LoginFailed, {
        details: { via: 'oidc', reason },
      });
      return new AppError(code, `Single sign-on failed: ${reason}`);
    };
    const params = new URLSearchParams(query);
    const opened = (await this.stateSigner()).open(cookie, Math.floor(Date.now() / 1000));
    if (!opened.ok) {
      throw await refuse(
        opened.reason === 'expired'
          ? 'the sign-in took too long; please sign in again.'
          : 'this browser did not start this sign-in (no valid sign-in cookie); please sign in again.',
      );
    }
    const { pending } = opened;
    if (params.get('error')) {
      const description = params.get('error_description');
      throw await refuse(
        `the identity provider answered "${params.get('error')}"${description ? `: ${description}` : ''}.`,
      );
    }
    if (params.get('state') !== pending.state) {
      throw await refuse('the answer does not belong to the sign-in this browser started (wrong state).');
    }
    if (!params.get('code')) throw await refuse('the identity provider sent no authorization code.');

    const [lib, configuration] = await Promise.all([this.load(), this.configuration()]);
    let claims: Record<string, unknown>;
    try {
      const tokens = await lib.authorizationCodeGrant(
        configuration,
        new URL(`${this.redirectUri}?${params.toString()}`),
        {
          pkceCodeVerifier: pending.codeVerifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        },
      );
      claims = (tokens.claims() ?? {}) as Record<string, unknown>;
    } catch (e) {
      throw await refuse(this.describeFailure(e), ErrorCode.Unauthorized);
    }

    const claimed = (name: string) => {
      const v = claims[name];
      return typeof v === 'string' && v.trim() ? v.trim() : undefined;
    };
    const sub = claimed('sub') as string; // openid-client refuses an ID token without `sub`
    const userName = claimed(oidc.usernameClaim) ?? claimed('email') ?? sub;
    const { groups, warning } = groupsFromClaim(claims[oidc.groupsClaim], oidc.groupsClaim);
    if (warning) this.logger.warn(`Sign-in of "${userName}": ${warning}`);
    const identity: ExternalIdentity = {
      source: 'oidc',
      externalId: `${String(claims['iss'])}|${sub}`,
      userName,
      displayName: claimed('name'),
      email: claimed('email'),
      groups,
    };
    // Refusals (a name of another source, a pseudo-group name) are audited by the service itself.
    const user = await this.identities.signIn(identity, address);
    const principal: Principal = { kind: 'user', name: user.userName, userId: user.id, credential: 'session', address };
    const session = await this.sessions.signInAs(principal, {
      via: 'oidc',
      ...(warning ? { warning } : {}),
    });
    return { session, returnTo: pending.returnTo };
  }

  /**
   * Where the console may send the browser after signing out of Stockroom, to end the provider's own
   * session too (RP-initiated logout): only for OIDC users and providers that have an end-session
   * endpoint; undefined otherwise (or when the provider cannot be reached).
   */
  async endSessionUrl(actor: Principal): Promise<string | undefined> {
    const oidc = this.config.oidc;
    if (!oidc || actor.userId === undefined || actor.credential !== 'session') return undefined;
    const user = await this.users.findUserById(actor.userId);
    if (user?.source !== 'oidc') return undefined;
    try {
      const [lib, configuration] = await Promise.all([this.load(), this.configuration()]);
      if (!configuration.serverMetadata().end_session_endpoint) return undefined;
      return lib.buildEndSessionUrl(configuration, {
        client_id: oidc.clientId,
        post_logout_redirect_uri: `${this.config.baseUrl ?? ''}/`,
      }).href;
    } catch (e) {
      this.logger.warn(`No end-session URL: ${(e as Error).message}`);
      return undefined;
    }
  }

  private settings(): OidcConfig {
    if (!this.config.oidc) throw new AppError(ErrorCode.NotFound, 'OpenID Connect sign-in is not configured.');
    return this.config.oidc;
  }

  private load(): Promise<OidcLib> {
    if (!this.lib) {
      const loading = (importEsm('openid-client') as Promise<OidcLib>).catch((e: unknown) => {
        this.lib = undefined;
        this.logger.error(`openid-client could not be loaded: ${(e as Error).message}`);
        throw new AppError(ErrorCode.ServiceUnavailable, 'OpenID Connect sign-in is unavailable on this server.');
      });
      this.lib = loading;
    }
    return this.lib;
  }

  private stateSigner(): Promise<OidcStateSigner> {
    this.signer ??= this.secrets.getOrCreate(KEY_NAME, () => randomBytes(32)).then((key) => new OidcStateSigner(key));
    this.signer.catch(() => (this.signer = undefined));
    return this.signer;
  }

  /** The provider's discovery document, fetched once (again after a failure). */
  private configuration(): Promise<OpenIdClient.Configuration> {
    if (!this.discovered) {
      const oidc = this.settings();
      const attempt = this.load().then(async (lib) => {
        const insecure = new URL(oidc.issuer).protocol === 'http:';
        if (insecure) this.logger.warn(`The OIDC issuer ${oidc.issuer} is plain HTTP: use HTTPS outside tests.`);
        try {
          return await lib.discovery(
            new URL(oidc.issuer),
            oidc.clientId,
            undefined,
            oidc.clientSecret ? lib.ClientSecretPost(oidc.clientSecret) : lib.None(),
            {
              timeout: 10,
              // The ID token's signature is checked against the provider's keys (jwks_uri) although it came
              // straight from the token endpoint (OIDC Core §3.1.3.7 would let TLS stand in for it).
              execute: [lib.enableNonRepudiationChecks, ...(insecure ? [lib.allowInsecureRequests] : [])],
            },
          );
        } catch (e) {
          throw new AppError(
            ErrorCode.ServiceUnavailable,
            `The identity provider (${oidc.issuer}) could not be reached: ${(e as Error).message}`,
          );
        }
      });
      this.discovered = attempt;
      attempt.catch(() => {
        if (this.discovered === attempt) this.discovered = undefined;
      });
    }
    return this.discovered;
  }

  /** openid-client's and the provider's reasons, said for a person. */
  private describeFailure(e: unknown): string {
    const err = e as { error?: unknown; error_description?: unknown; message?: unknown; code?: unknown };
    if (typeof err.error === 'string') {
      // The token endpoint refused: a replayed or expired code, a wrong PKCE verifier, a wrong secret.
      const description = typeof err.error_description === 'string' ? `: ${err.error_description}` : '';
      return `the identity provider refused the authorization code (${err.error}${description}).`;
    }
    // openid-client wraps oauth4webapi's error, whose message says which check failed
    // (`unexpected JWT "aud" (audience) claim value`): the innermost message is the useful one.
    let inner: unknown = e;
    for (let i = 0; i < 5 && inner instanceof Error && inner.cause instanceof Error; i++) inner = inner.cause;
    const message = inner instanceof Error ? inner.message : String(e);
    return `the ID token was refused (${message}).`;
  }
}
