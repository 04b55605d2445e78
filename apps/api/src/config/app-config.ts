import { PASSWORD_MAX, PASSWORD_MIN } from '@stockroom/contracts';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { OUTBOUND_ALLOW_VARIABLE, OutboundPolicy } from '../common/net/outbound-policy';

/** Everything the server reads from the environment, parsed and validated once at start. */
export interface AppConfig {
  port: number;
  host: string;
  /** STOCKROOM_WORKERS: processes serving requests on the one port (1: a single process, no cluster). */
  workers: number;
  dataDir: string;
  /** Absent: an embedded PostgreSQL is started under `dataDir/postgres`. */
  databaseUrl?: string;
  /** The built console to serve; absent: looked for next to the built server. */
  consoleDir?: string;
  /** Public base URL used in `content` links; absent: derived from each request. */
  baseUrl?: string;
  /**
   * A second origin (another host name) that serves only signed download URLs, so that files never
   * run next to the console's session cookie; absent: signed URLs are served on the main origin.
   */
  contentUrl?: string;
  /** How long a signed download URL stays valid. */
  signedUrlSeconds: number;
  /** [ext] STOCKROOM_SHARE_MAX_DAYS: the longest a share link may live (issue 18). */
  shareMaxDays: number;
  /** Honour X-Forwarded-Proto/Host when deriving URLs. */
  trustProxy: boolean;
  /** 0 = no limit. */
  maxUploadBytes: number;
  /**
   * STOCKROOM_DAV_MAC_FILES: what WebDAV does with macOS Finder's `._*` AppleDouble files and
   * `.DS_Store`: `refuse` (default: a clean 403 on PUT, MKCOL and as a MOVE/COPY target, so Finder
   * goes on without them and directories stay free of them) or `store` (kept like any file).
   */
  davMacFiles: 'store' | 'refuse';
  import: {
    maxExpandedBytes: number;
    maxEntries: number;
    maxCompressionRatio: number;
  };
  multipartMaxAgeHours: number;
  /** Count downloads per file (download count, last download) for the console and retention rules. */
  trackDownloads: boolean;
  /** After a storage move, how long the old copies stay for readers that opened them just before. */
  storageMoveGraceSeconds: number;
  /** A node running a storage move that is silent for this long is presumed dead; another takes over. */
  storageMoveLeaseSeconds: number;
  /** Encrypts storage secrets at rest; absent: a key generated once into `dataDir/encryption.key`. */
  encryptionKey?: string;
  /** STOCKROOM_OUTBOUND_ALLOW: the addresses the server may contact for users (storage …); unset: any. */
  outboundAllow?: string;
  security: {
    /** Used once, when the first start creates the Admin user; absent: a random one is printed. */
    adminPassword?: string;
    /** A console session ends after this long without a request. */
    sessionIdleMinutes: number;
    /**
     * Failed password attempts before delays start, per user name from one client address, and
     * per client address across names; counts are forgotten after a window without failures, and
     * the longest delay is half the window (see LoginThrottleService).
     */
    loginFailuresPerUser: number;
    loginFailuresPerAddress: number;
    loginWindowMinutes: number;
  };
  /** Slow and abusive clients (see common/http/client-limits.ts). */
  clients: {
    /** A request body that sends nothing for this long is aborted; 0 = never. */
    bodyIdleSeconds: number;
    /** Open connections per peer address (requests in flight behind a trusted proxy); 0 = no cap. */
    maxConnectionsPerAddress: number;
  };
  /** Who may read `GET /metrics`: anyone, or callers holding Administer (the default). */
  metricsAccess: MetricsAccess;
  /** What the server writes to its standard output (see common/logging). */
  log: {
    /** STOCKROOM_LOG_LEVEL: the least severe level written. */
    level: LogLevel;
    /** STOCKROOM_LOG_FORMAT: readable single lines, or one JSON object per line. */
    format: LogFormat;
    /** STOCKROOM_LOG_REQUESTS: one line per request (method, path, status, duration, bytes). */
    requests: boolean;
  };
  /** On SIGTERM/SIGINT, how long requests in flight may run on before their connections are cut. */
  shutdownSeconds: number;
  /** [ext] LDAP / Active Directory sign-in (issue 19); absent when STOCKROOM_LDAP_URL is not set. */
  ldap?: LdapConfig;
  /** [ext] OpenID Connect sign-in for the console (issue 19); absent when STOCKROOM_OIDC_ISSUER is not set. */
  oidc?: OidcConfig;
  /** [ext] STOCKROOM_SSO_REFRESH_MINUTES: how often external users' groups are re-read (one node at a time). */
  ssoRefreshMinutes: number;
  version: string;
}

export interface LdapConfig {
  /** ldap:// or ldaps:// */
  url: string;
  startTls: boolean;
  /** PEM file of the CA that signed the directory's certificate (ldaps or StartTLS). */
  caFile?: string;
  /** The service account used to search; absent: anonymous searches. */
  bindDn?: string;
  bindPassword?: string;
  userBase: string;
  /** `{username}` is replaced by the RFC 4515-escaped user name. */
  userFilter: string;
  /** Absent: the user base. */
  groupBase: string;
  /** `{dn}` is replaced by the RFC 4515-escaped DN (of the user, then of each group for nesting). */
  groupFilter: string;
  attrDisplayName: string;
  attrEmail: string;
  attrGroupName: string;
  /** Connect and operation timeout. */
  timeoutSeconds: number;
  /**
   * STOCKROOM_LDAP_CACHE_SECONDS: how long the directory's "this user is still there" answer stands on a
   * node (API keys and remembered passwords of LDAP users ask again after it).
   */
  cacheSeconds: number;
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret?: string;
  scopes: string;
  groupsClaim: string;
  usernameClaim: string;
  /** The sign-in button's text; absent: the issuer's host name. */
  providerName?: string;
  /** An OIDC user's API keys stop working after this many days without a sign-in. */
  keyMaxIdleDays: number;
}

export const METRICS_ACCESS = ['administer', 'public'] as const;
export type MetricsAccess = (typeof METRICS_ACCESS)[number];
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export class ConfigError extends Error {}

const GiB = 1024 ** 3;

type Env = Record<string, string | undefined>;

/**
 * Parses the environment. Collects every problem before failing, so a user fixes them in one go.
 */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): AppConfig {
  const problems: string[] = [];

  const int = (name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name}=${JSON.stringify(raw)}: expected an integer between ${min} and ${max}`);
      return fallback;
    }
    return value;
  };

  const url = (name: string, protocols: string[]): string | undefined => {
    const raw = env[name]?.trim();
    if (!raw) return undefined;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) throw new Error();
      return raw.replace(/\/+$/, '');
    } catch {
      problems.push(`${name}=${JSON.stringify(raw)}: expected a ${protocols.join(' or ')} URL`);
      return undefined;
    }
  };

  const bool = (name: string, fallback = false): boolean => {
    const raw = env[name]?.trim().toLowerCase();
    if (!raw) return fallback;
    if (['1', 'true', 'yes'].includes(raw)) return true;
    if (['0', 'false', 'no'].includes(raw)) return false;
    problems.push(`${name}=${JSON.stringify(raw)}: expected true or false`);
    return fallback;
  };

  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = env[name]?.trim().toLowerCase();
    if (!raw) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    problems.push(`${name}=${JSON.stringify(env[name])}: expected one of ${allowed.join(', ')}`);
    return fallback;
  };

  const dataDirRaw = env['STOCKROOM_DATA_DIR']?.trim() || './data';
  const config: AppConfig = {
    port: int('PORT', 8624, 0, 65535),
    host: env['HOST']?.trim() || '0.0.0.0',
    workers: int('STOCKROOM_WORKERS', availableParallelism(), 1, 256),
    dataDir: isAbsolute(dataDirRaw) ? dataDirRaw : resolve(cwd, dataDirRaw),
    databaseUrl: url('DATABASE_URL', ['postgres:', 'postgresql:']),
    consoleDir: env['STOCKROOM_CONSOLE_DIR']?.trim() ? resolve(cwd, env['STOCKROOM_CONSOLE_DIR'].trim()) : undefined,
    baseUrl: url('STOCKROOM_BASE_URL', ['http:', 'https:']),
    contentUrl: url('STOCKROOM_CONTENT_URL', ['http:', 'https:']),
    signedUrlSeconds: int('STOCKROOM_SIGNED_URL_SECONDS', 300, 10, 24 * 3600),
    shareMaxDays: int('STOCKROOM_SHARE_MAX_DAYS', 30, 1, 3650),
    trustProxy: bool('STOCKROOM_TRUST_PROXY'),
    maxUploadBytes: int('STOCKROOM_MAX_UPLOAD_BYTES', 0, 0),
    davMacFiles: oneOf('STOCKROOM_DAV_MAC_FILES', ['store', 'refuse'] as const, 'refuse'),
    import: {
      maxExpandedBytes: int('STOCKROOM_IMPORT_MAX_BYTES', 10 * GiB, 1),
      maxEntries: int('STOCKROOM_IMPORT_MAX_ENTRIES', 100_000, 1),
      maxCompressionRatio: int('STOCKROOM_IMPORT_MAX_RATIO', 200, 1),
    },
    multipartMaxAgeHours: int('STOCKROOM_MULTIPART_MAX_AGE_HOURS', 24, 1),
    trackDownloads: bool('STOCKROOM_TRACK_DOWNLOADS', true),
    storageMoveGraceSeconds: int('STOCKROOM_STORAGE_MOVE_GRACE_SECONDS', 300, 0),
    storageMoveLeaseSeconds: int('STOCKROOM_STORAGE_MOVE_LEASE_SECONDS', 60, 2),
    encryptionKey: env['STOCKROOM_ENCRYPTION_KEY'] || undefined,
    outboundAllow: outboundAllow(env[OUTBOUND_ALLOW_VARIABLE], problems),
    security: {
      adminPassword: adminPassword(env['STOCKROOM_ADMIN_PASSWORD'], problems),
      sessionIdleMinutes: int('STOCKROOM_SESSION_IDLE_MINUTES', 8 * 60, 1),
      loginFailuresPerUser: int('STOCKROOM_LOGIN_FAILURES_PER_USER', 10, 1),
      loginFailuresPerAddress: int('STOCKROOM_LOGIN_FAILURES_PER_ADDRESS', 50, 1),
      loginWindowMinutes: int('STOCKROOM_LOGIN_WINDOW_MINUTES', 15, 1),
    },
    clients: {
      bodyIdleSeconds: int('STOCKROOM_BODY_IDLE_SECONDS', 60, 0),
      maxConnectionsPerAddress: int('STOCKROOM_MAX_CONNECTIONS_PER_ADDRESS', 256, 0),
    },
    metricsAccess: oneOf('STOCKROOM_METRICS_ACCESS', METRICS_ACCESS, 'administer'),
    log: {
      level: oneOf('STOCKROOM_LOG_LEVEL', LOG_LEVELS, 'info'),
      format: oneOf('STOCKROOM_LOG_FORMAT', LOG_FORMATS, 'text'),
      requests: bool('STOCKROOM_LOG_REQUESTS'),
    },
    shutdownSeconds: int('STOCKROOM_SHUTDOWN_SECONDS', 25, 0, 3600),
    ldap: ldapConfig(env, problems, { int, url, bool }),
    oidc: oidcConfig(env, problems, { int, url }),
    ssoRefreshMinutes: int('STOCKROOM_SSO_REFRESH_MINUTES', 15, 1, 24 * 60),
    version: STOCKROOM_VERSION,
  };

  if (config.contentUrl && config.baseUrl && hostOf(config.contentUrl) === hostOf(config.baseUrl)) {
    // Cookies ignore ports: the same host name would hand the session cookie to the content.
    problems.push('STOCKROOM_CONTENT_URL: must have another host name than STOCKROOM_BASE_URL (cookies ignore ports)');
  }

  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return config;
}

/** The host name of a URL, lower-case, without the port. */
export function hostOf(url: string): string {
  return new URL(url).hostname.toLowerCase();
}

function adminPassword(raw: string | undefined, problems: string[]): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < PASSWORD_MIN || raw.length > PASSWORD_MAX) {
    // Never echo the value: it is a password.
    problems.push(`STOCKROOM_ADMIN_PASSWORD: expected ${PASSWORD_MIN}-${PASSWORD_MAX} characters`);
    return undefined;
  }
  return raw;
}

function outboundAllow(raw: string | undefined, problems: string[]): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  problems.push(...OutboundPolicy.problems(raw).map((p) => `${OUTBOUND_ALLOW_VARIABLE}: ${p}`));
  return raw.trim();
}

interface Parsers {
  int: (name: string, fallback: number, min: number, max?: number) => number;
  url: (name: string, protocols: string[]) => string | undefined;
  bool: (name: string, fallback?: boolean) => boolean;
}

function text(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

function ldapConfig(env: Env, problems: string[], p: Parsers): LdapConfig | undefined {
  const set = Object.keys(env).filter((k) => k.startsWith('STOCKROOM_LDAP_') && text(env, k) !== undefined);
  if (!text(env, 'STOCKROOM_LDAP_URL')) {
    if (set.length > 0) problems.push(`${set.join(', ')}: set without STOCKROOM_LDAP_URL`);
    return undefined;
  }
  const url = p.url('STOCKROOM_LDAP_URL', ['ldap:', 'ldaps:']);
  const userBase = text(env, 'STOCKROOM_LDAP_USER_BASE');
  if (!userBase) problems.push('STOCKROOM_LDAP_USER_BASE: required with STOCKROOM_LDAP_URL');
  const bindDn = text(env, 'STOCKROOM_LDAP_BIND_DN');
  const bindPassword = env['STOCKROOM_LDAP_BIND_PASSWORD'] || undefined;
  if (bindDn && !bindPassword) {
    // Never echo a password; an empty one would be an unauthenticated bind.
    problems.push('STOCKROOM_LDAP_BIND_PASSWORD: required with STOCKROOM_LDAP_BIND_DN');
  }
  const userFilter = text(env, 'STOCKROOM_LDAP_USER_FILTER') ?? '(uid={username})';
  if (!userFilter.includes('{username}')) problems.push('STOCKROOM_LDAP_USER_FILTER: must contain {username}');
  const groupFilter = text(env, 'STOCKROOM_LDAP_GROUP_FILTER') ?? '(member={dn})';
  if (!groupFilter.includes('{dn}')) problems.push('STOCKROOM_LDAP_GROUP_FILTER: must contain {dn}');
  const startTls = p.bool('STOCKROOM_LDAP_STARTTLS');
  if (startTls && url?.startsWith('ldaps:')) problems.push('STOCKROOM_LDAP_STARTTLS: not with an ldaps:// URL');
  const caFile = text(env, 'STOCKROOM_LDAP_CA_FILE');
  if (caFile && !existsSync(caFile)) problems.push(`STOCKROOM_LDAP_CA_FILE=${JSON.stringify(caFile)}: no such file`);
  return {
    url: url ?? '',
    startTls,
    caFile,
    bindDn,
    bindPassword,
    userBase: userBase ?? '',
    userFilter,
    groupBase: text(env, 'STOCKROOM_LDAP_GROUP_BASE') ?? userBase ?? '',
    groupFilter,
    attrDisplayName: text(env, 'STOCKROOM_LDAP_ATTR_DISPLAY_NAME') ?? 'cn',
    attrEmail: text(env, 'STOCKROOM_LDAP_ATTR_EMAIL') ?? 'mail',
    attrGroupName: text(env, 'STOCKROOM_LDAP_ATTR_GROUP_NAME') ?? 'cn',
    timeoutSeconds: p.int('STOCKROOM_LDAP_TIMEOUT_SECONDS', 5, 1, 300),
    cacheSeconds: p.int('STOCKROOM_LDAP_CACHE_SECONDS', 60, 1, 3600),
  };
}

function oidcConfig(env: Env, problems: string[], p: Pick<Parsers, 'int' | 'url'>): OidcConfig | undefined {
  const set = Object.keys(env).filter((k) => k.startsWith('STOCKROOM_OIDC_') && text(env, k) !== undefined);
  if (!text(env, 'STOCKROOM_OIDC_ISSUER')) {
    if (set.length > 0) problems.push(`${set.join(', ')}: set without STOCKROOM_OIDC_ISSUER`);
    return undefined;
  }
  const issuer = p.url('STOCKROOM_OIDC_ISSUER', ['https:', 'http:']);
  const clientId = text(env, 'STOCKROOM_OIDC_CLIENT_ID');
  if (!clientId) problems.push('STOCKROOM_OIDC_CLIENT_ID: required with STOCKROOM_OIDC_ISSUER');
  const scopes = text(env, 'STOCKROOM_OIDC_SCOPES') ?? 'openid profile email';
  if (!scopes.split(/\s+/).includes('openid')) problems.push('STOCKROOM_OIDC_SCOPES: must include openid');
  return {
    issuer: issuer ?? '',
    clientId: clientId ?? '',
    clientSecret: env['STOCKROOM_OIDC_CLIENT_SECRET'] || undefined,
    scopes,
    groupsClaim: text(env, 'STOCKROOM_OIDC_GROUPS_CLAIM') ?? 'groups',
    usernameClaim: text(env, 'STOCKROOM_OIDC_USERNAME_CLAIM') ?? 'preferred_username',
    providerName: text(env, 'STOCKROOM_OIDC_PROVIDER_NAME'),
    keyMaxIdleDays: p.int('STOCKROOM_OIDC_KEY_MAX_IDLE_DAYS', 90, 1, 3650),
  };
}

export const STOCKROOM_VERSION = '0.1.0';

/** Nest injection token for {@link AppConfig}. */
export const APP_CONFIG = Symbol('APP_CONFIG');
