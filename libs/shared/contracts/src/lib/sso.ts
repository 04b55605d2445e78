/** [ext] Where a user or a group comes from (issue 19): built in, or a directory/IdP that owns it. */
export type IdentitySource = 'builtin' | 'ldap' | 'oidc';

/**
 * [ext] `GET /api/security/sso` (public: the sign-in page reads it): which single sign-on is configured.
 * Never a secret (no bind password, no client secret).
 */
export interface SsoSettings {
  ldap: {
    enabled: boolean;
    /** e.g. `ldaps://dc1.example.com:636` (no credentials). */
    url?: string;
    startTls?: boolean;
    userBase?: string;
    userFilter?: string;
    groupBase?: string;
    groupFilter?: string;
  };
  oidc: {
    enabled: boolean;
    issuer?: string;
    clientId?: string;
    scopes?: string;
    groupsClaim?: string;
    usernameClaim?: string;
    /** The button's text: "Sign in with {providerName}" (the issuer's host when not configured). */
    providerName?: string;
    /** Where the sign-in button goes (a browser navigation, not an XHR): `/api/security/oidc/login`. */
    loginUrl?: string;
    redirectUri?: string;
  };
}

/** [ext] `POST /api/security/ldap/test` (Administer): tries a sign-in against the directory without creating anything. */
export interface LdapTestRequest {
  userName: string;
  password: string;
}

export interface LdapTestResult {
  ok: boolean;
  /** Why not, when `ok` is false (wrong password, not found, directory unreachable…). */
  error?: string;
  dn?: string;
  displayName?: string;
  email?: string;
  /** External group names, nested ones included. */
  groups?: string[];
  /** Milliseconds the bind and searches took. */
  elapsedMs?: number;
}

/**
 * [ext] `POST /api/security/logout`'s answer: the Stockroom session has ended. For a user who signed
 * in with OpenID Connect, `endSessionUrl` is the provider's RP-initiated logout URL (it comes back to
 * the console afterwards): the console may send the browser there to end the provider's session too.
 */
export interface LogoutResult {
  endSessionUrl?: string;
}
