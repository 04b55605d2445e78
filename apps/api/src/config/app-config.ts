import { isAbsolute, resolve } from 'node:path';

/** Everything the server reads from the environment, parsed and validated once at start. */
export interface AppConfig {
  port: number;
  host: string;
  dataDir: string;
  /** Absent: an embedded PostgreSQL is started under `dataDir/postgres`. */
  databaseUrl?: string;
  /** Public base URL used in `content` links; absent: derived from each request. */
  baseUrl?: string;
  /** Honour X-Forwarded-Proto/Host when deriving URLs. */
  trustProxy: boolean;
  /** 0 = no limit. */
  maxUploadBytes: number;
  import: {
    maxExpandedBytes: number;
    maxEntries: number;
    maxCompressionRatio: number;
  };
  multipartMaxAgeHours: number;
  version: string;
}

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

  const bool = (name: string): boolean => {
    const raw = env[name]?.trim().toLowerCase();
    if (!raw) return false;
    if (['1', 'true', 'yes'].includes(raw)) return true;
    if (['0', 'false', 'no'].includes(raw)) return false;
    problems.push(`${name}=${JSON.stringify(raw)}: expected true or false`);
    return false;
  };

  const dataDirRaw = env['STOCKROOM_DATA_DIR']?.trim() || './data';
  const config: AppConfig = {
    port: int('PORT', 8624, 0, 65535),
    host: env['HOST']?.trim() || '0.0.0.0',
    dataDir: isAbsolute(dataDirRaw) ? dataDirRaw : resolve(cwd, dataDirRaw),
    databaseUrl: url('DATABASE_URL', ['postgres:', 'postgresql:']),
    baseUrl: url('STOCKROOM_BASE_URL', ['http:', 'https:']),
    trustProxy: bool('STOCKROOM_TRUST_PROXY'),
    maxUploadBytes: int('STOCKROOM_MAX_UPLOAD_BYTES', 0, 0),
    import: {
      maxExpandedBytes: int('STOCKROOM_IMPORT_MAX_BYTES', 10 * GiB, 1),
      maxEntries: int('STOCKROOM_IMPORT_MAX_ENTRIES', 100_000, 1),
      maxCompressionRatio: int('STOCKROOM_IMPORT_MAX_RATIO', 200, 1),
    },
    multipartMaxAgeHours: int('STOCKROOM_MULTIPART_MAX_AGE_HOURS', 24, 1),
    version: STOCKROOM_VERSION,
  };

  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return config;
}

export const STOCKROOM_VERSION = '0.1.0';

/** Nest injection token for {@link AppConfig}. */
export const APP_CONFIG = Symbol('APP_CONFIG');
