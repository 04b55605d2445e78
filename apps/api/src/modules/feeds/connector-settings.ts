import { Inject, Injectable } from '@nestjs/common';
import {
  CONNECTOR_DEFAULTS,
  CONNECTOR_TYPES,
  type ConnectorSettings,
  type ConnectorType,
  MASKED_SECRET,
} from '@stockroom/contracts';
import { badRequest } from '../../common/errors/app-error';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { StorageSecrets } from '../storage/storage-secrets';

const FIELDS = [
  'url',
  'type',
  'username',
  'password',
  'apiKey',
  'cacheMinutes',
  'negativeCacheMinutes',
  'timeoutSeconds',
  'offline',
];
const SECRETS = ['password', 'apiKey'] as const;

/** A connector as sent: checked and completed with CONNECTOR_DEFAULTS; secrets still as sent (maybe masked). */
export type ConnectorInput = ConnectorSettings;

/**
 * [ext] `connector` of the feed JSON, checked whole at the edge (an update replaces the whole object:
 * a field left out takes its default). `null` removes the upstream; absent keeps it.
 */
export function parseConnector(raw: unknown): ConnectorInput | null | undefined {
  if (raw === undefined) return undefined;
  if (raw === null) return null;
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw badRequest('"connector" must be an object: {"url": "https://example.org/files/", "type": "http"}, or null.');
  const fields = raw as Record<string, unknown>;
  for (const key of Object.keys(fields))
    if (!FIELDS.includes(key)) throw badRequest(`"connector.${key}" is an unknown field; use ${FIELDS.join(', ')}.`);
  const type = fields['type'] ?? 'http';
  if (typeof type !== 'string' || !CONNECTOR_TYPES.includes(type as ConnectorType))
    throw badRequest(`"connector.type" must be one of ${CONNECTOR_TYPES.map((t) => `"${t}"`).join(', ')}.`);
  const url = fields['url'];
  if (typeof url !== 'string' || url.length > 2000) throw badRequest('"connector.url" is required: an http(s) URL.');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badRequest(`"connector.url" is not a URL: ${JSON.stringify(url)}.`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw badRequest('"connector.url" must be an http:// or https:// URL.');
  if (parsed.username || parsed.password)
    throw badRequest('"connector.url" must not hold credentials: use "username" and "password", or "apiKey".');
  if (parsed.search || parsed.hash) throw badRequest('"connector.url" must not have a query or a fragment.');
  // A base that file paths are appended to.
  if (!parsed.pathname.endsWith('/')) parsed.pathname += '/';
  const text = (name: string): string | undefined => {
    const value = fields[name];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string' || value.length > 1000)
      throw badRequest(`"connector.${name}" must be a string of at most 1000 characters.`);
    if (/[\r\n\0]/.test(value)) throw badRequest(`"connector.${name}" must not hold line breaks.`);
    return value;
  };
  const integer = (name: keyof typeof CONNECTOR_DEFAULTS, min: number, max: number): number => {
    const value = fields[name] ?? CONNECTOR_DEFAULTS[name];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max)
      throw badRequest(`"connector.${name}" must be an integer from ${min} to ${max}.`);
    return value;
  };
  const offline = fields['offline'] ?? CONNECTOR_DEFAULTS.offline;
  if (typeof offline !== 'boolean') throw badRequest('"connector.offline" must be true or false.');
  const settings: ConnectorSettings = {
    url: parsed.href,
    type: type as ConnectorType,
    cacheMinutes: integer('cacheMinutes', 0, 5_256_000),
    negativeCacheMinutes: integer('negativeCacheMinutes', 0, 5_256_000),
    timeoutSeconds: integer('timeoutSeconds', 1, 3600),
    offline,
  };
  const username = text('username');
  const password = text('password');
  const apiKey = text('apiKey');
  if (username !== undefined) settings.username = username;
  if (password !== undefined) settings.password = password;
  if (apiKey !== undefined) settings.apiKey = apiKey;
  if (password !== undefined && username === undefined)
    throw badRequest('"connector.password" needs a "connector.username".');
  return settings;
}

/** The settings as they read back: secrets as `********`. */
export function maskConnector(settings: ConnectorSettings): ConnectorSettings {
  const masked = { ...settings };
  for (const name of SECRETS) if (masked[name] !== undefined) masked[name] = MASKED_SECRET;
  return masked;
}

/** Whether two connectors reach the same upstream as the same user (secrets aside). */
export function sameUpstream(a: ConnectorSettings | null, b: ConnectorSettings | null): boolean {
  return a !== null && b !== null && a.url === b.url && a.type === b.type && a.username === b.username;
}

/**
 * Connector secrets at rest: encrypted with the storage secrets' key (STOCKROOM_ENCRYPTION_KEY or
 * data/encryption.key), exactly as storage credentials are.
 */
@Injectable()
export class ConnectorSecrets {
  private readonly secrets: StorageSecrets;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.secrets = StorageSecrets.load(config.encryptionKey, config.dataDir);
  }

  /**
   * The settings to store: a masked secret keeps the stored one (when there is one for the same
   * upstream; otherwise it is refused), others are encrypted.
   */
  seal(input: ConnectorSettings, stored: ConnectorSettings | null): ConnectorSettings {
    const sealed = { ...input };
    for (const name of SECRETS) {
      const value = input[name];
      if (value === undefined) continue;
      if (value === MASKED_SECRET) {
        const kept = stored?.[name];
        if (kept === undefined || !sameUpstream(input, stored))
          throw badRequest(`"connector.${name}" is masked but no ${name} is saved for this upstream: type it again.`);
        sealed[name] = kept;
      } else {
        sealed[name] = this.secrets.encrypt(value);
      }
    }
    return sealed;
  }

  /** The stored settings with their secrets in clear (for the connector's requests only). */
  open(stored: ConnectorSettings): ConnectorSettings {
    const open = { ...stored };
    for (const name of SECRETS) {
      const value = stored[name];
      if (value !== undefined) open[name] = this.secrets.decrypt(value);
    }
    return open;
  }
}
