import {
  CacheHeader,
  MAX_METADATA_VALUE,
  METADATA_HEADER_VALUE_PATTERN,
  METADATA_KEY_PATTERN,
  responseHeaderProblem,
} from '@stockroom/contracts';
import { badRequest } from '../../common/errors/app-error';
import type { StoredUserMetadata } from './asset-item.entity';
import { isMediaType } from './media-type';

/** A checked `POST metadata/{p}` body (spec §5); an absent or `null` field leaves that setting alone. */
export interface MetadataUpdate {
  /** The media type of a file (a folder ignores it). */
  type?: string;
  /** User metadata merged into (`update`) or replacing (`replace`) what is stored. */
  userMetadata?: { mode: 'update' | 'replace'; entries: Record<string, StoredUserMetadata> };
  /** `null`: inherit from the nearest folder or the directory. */
  cacheHeader?: CacheHeader | null;
}

function parseCacheHeader(raw: unknown): CacheHeader | null {
  if (typeof raw !== 'object' || raw === null) throw badRequest('"cacheHeader" must be an object with a "type".');
  const { type, value } = raw as { type?: unknown; value?: unknown };
  switch (typeof type === 'string' ? type.toLowerCase() : undefined) {
    case 'inherit':
      return null;
    case 'nocache':
      return { type: 'NoCache' };
    case 'ttl': {
      const seconds = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof seconds !== 'number' || !Number.isSafeInteger(seconds) || seconds < 0) {
        throw badRequest('"cacheHeader.value" must be a whole number of seconds for TTL.');
      }
      return { type: 'TTL', value: seconds };
    }
    case 'custom':
      if (
        typeof value !== 'string' ||
        value.trim() === '' ||
        !METADATA_HEADER_VALUE_PATTERN.test(value) ||
        value.length > MAX_METADATA_VALUE
      ) {
        throw badRequest('"cacheHeader.value" must be a Cache-Control header value for Custom.');
      }
      return { type: 'Custom', value };
    default:
      throw badRequest('"cacheHeader.type" must be one of Inherit, NoCache, TTL, Custom.');
  }
}

function parseUserMetadata(raw: unknown): Record<string, StoredUserMetadata> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw badRequest('"userMetadata" must be an object.');
  const out: Record<string, StoredUserMetadata> = {};
  for (const [key, v] of Object.entries(raw)) {
    if (!METADATA_KEY_PATTERN.test(key))
      throw badRequest(`Invalid metadata key "${key}": 1-100 HTTP token characters.`);
    const entry =
      typeof v === 'string'
        ? { value: v, includeInResponseHeader: false }
        : typeof v === 'object' && v !== null && typeof (v as { value?: unknown }).value === 'string'
          ? {
              value: (v as { value: string }).value,
              includeInResponseHeader: (v as { includeInResponseHeader?: unknown }).includeInResponseHeader === true,
            }
          : undefined;
    if (!entry)
      throw badRequest(`Invalid metadata value for "${key}": a string or {"value", "includeInResponseHeader"}.`);
    if (entry.value.length > MAX_METADATA_VALUE)
      throw badRequest(`Metadata value for "${key}" is longer than ${MAX_METADATA_VALUE} characters.`);
    const headerProblem = entry.includeInResponseHeader ? responseHeaderProblem(key) : undefined;
    if (headerProblem) throw badRequest(`Metadata key "${key}" cannot be sent as a response header: ${headerProblem}.`);
    if (entry.includeInResponseHeader && !METADATA_HEADER_VALUE_PATTERN.test(entry.value)) {
      throw badRequest(
        `Metadata value for "${key}" cannot be sent as a response header (control or non-Latin-1 characters).`,
      );
    }
    out[key] = entry;
  }
  return out;
}

/**
 * The edge check of a `POST metadata/{p}` body (parsed JSON): each given field in the API's own
 * words, or a 400. What depends on the stored item (a folder ignores `type`, the 8 KiB cap on
 * response headers after a merge) is the service's.
 */
export function parseMetadataUpdate(body: unknown): MetadataUpdate {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('Expected a JSON object.');
  const raw = body as Record<string, unknown>;
  const update: MetadataUpdate = {};
  if (raw['type'] !== undefined && raw['type'] !== null) {
    if (typeof raw['type'] !== 'string' || !isMediaType(raw['type']))
      throw badRequest('"type" must be a media type like "text/plain".');
    update.type = raw['type'];
  }
  if (raw['userMetadata'] !== undefined && raw['userMetadata'] !== null) {
    const mode = raw['userMetadataUpdateMode'] ?? 'update';
    if (mode !== 'update' && mode !== 'replace')
      throw badRequest('"userMetadataUpdateMode" must be "update" or "replace".');
    update.userMetadata = { mode, entries: parseUserMetadata(raw['userMetadata']) };
  }
  if (raw['cacheHeader'] !== undefined && raw['cacheHeader'] !== null)
    update.cacheHeader = parseCacheHeader(raw['cacheHeader']);
  return update;
}
