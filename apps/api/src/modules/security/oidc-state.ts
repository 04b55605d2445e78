import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * What the sign-in start hands to its callback through the browser (a short-lived, signed, httpOnly
 * SameSite=Lax cookie: bound to the browser that started, shared by every node): the `state` and
 * `nonce` to expect, the PKCE verifier and where to go afterwards.
 */
export interface OidcPending {
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
  /** Unix seconds after which the attempt is refused. */
  expires: number;
}

export const OIDC_STATE_COOKIE = 'stockroom_oidc';
export const OIDC_STATE_COOKIE_PATH = '/api/security/oidc';
/** How long a sign-in at the identity provider may take. */
export const OIDC_STATE_SECONDS = 600;

const SCOPE = 'stockroom:oidc-state:v1';

/** HMAC-SHA256 over the JSON payload with the installation's key: `payload.signature`, both base64url. */
export class OidcStateSigner {
  constructor(private readonly key: Buffer) {
    if (key.length < 32) throw new Error('The signing key must be at least 32 bytes.');
  }

  seal(pending: OidcPending): string {
    const payload = Buffer.from(JSON.stringify(pending), 'utf8').toString('base64url');
    return `${payload}.${this.mac(payload)}`;
  }

  /** The pending sign-in, or why not: a cookie that is missing, altered, or too old. */
  open(
    value: string | undefined,
    nowSeconds: number,
  ): { ok: true; pending: OidcPending } | { ok: false; reason: 'missing' | 'signature' | 'expired' } {
    if (!value) return { ok: false, reason: 'missing' };
    const dot = value.indexOf('.');
    if (dot < 1 || value.length > 4096) return { ok: false, reason: 'signature' };
    const payload = value.slice(0, dot);
    const sent = Buffer.from(value.slice(dot + 1), 'ascii');
    const expected = Buffer.from(this.mac(payload), 'ascii');
    if (sent.length !== expected.length || !timingSafeEqual(sent, expected)) return { ok: false, reason: 'signature' };
    let pending: OidcPending;
    try {
      pending = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as OidcPending;
    } catch {
      return { ok: false, reason: 'signature' };
    }
    if (typeof pending.expires !== 'number' || pending.expires <= nowSeconds) return { ok: false, reason: 'expired' };
    return { ok: true, pending };
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(`${SCOPE}\n${payload}`).digest('base64url');
  }
}

/**
 * Where to go after signing in: a path of this site only (`/…`, never `//host` or `/\host`, which a
 * browser reads as another site, nor control characters); `/` otherwise.
 */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || value.length > 2000) return '/';
  if (!value.startsWith('/') || /^\/[/\\]/.test(value) || value.includes('\\')) return '/';
  if ([...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) return '/';
  return value;
}

/**
 * The groups an ID token's claim names: a list of strings, or one string; absent → none. Anything
 * else (a number, an object, a list with non-strings) gives no groups and a warning to record.
 */
export function groupsFromClaim(value: unknown, claim: string): { groups: string[]; warning?: string } {
  if (value === undefined || value === null) return { groups: [] };
  if (typeof value === 'string') return { groups: value.trim() ? [value.trim()] : [] };
  if (Array.isArray(value) && value.every((g) => typeof g === 'string')) {
    return { groups: [...new Set((value as string[]).map((g) => g.trim()).filter((g) => g.length > 0))] };
  }
  const kind = Array.isArray(value) ? 'a list with values that are not strings' : `of type ${typeof value}`;
  return {
    groups: [],
    warning: `the "${claim}" claim is ${kind}, not a list of strings: no groups were taken from it`,
  };
}
