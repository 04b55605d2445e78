import { MASKED_SECRET, StorageKind, StorageSettings, StorageTypeInfo } from '@stockroom/contracts';
import { AzureBlobStorageProvider } from '@stockroom/storage';
import { badRequest } from '../../common/errors/app-error';
import type { StorageSettingsDto } from './storage-requests.dto';

/** The storage types and their properties (spec §7), ProGet's property names. */
export const STORAGE_TYPES: StorageTypeInfo[] = [
  {
    id: 'disk',
    name: 'Disk',
    properties: [
      {
        name: 'Path',
        type: 'string',
        required: false,
        secret: false,
        description: "Absolute folder for the directory's files; default: under the server's data directory.",
      },
    ],
  },
  {
    id: 's3',
    name: 'Amazon S3 (or S3-compatible)',
    properties: [
      { name: 'BucketName', type: 'string', required: true, secret: false, description: 'Bucket' },
      { name: 'RegionEndpoint', type: 'string', required: false, secret: false, description: 'Region, e.g. eu-west-1' },
      { name: 'TargetPath', type: 'string', required: false, secret: false, description: 'Key prefix' },
      {
        name: 'AccessKey',
        type: 'string',
        required: false,
        secret: false,
        description: 'Access key id; none: the default credential chain',
      },
      { name: 'SecretAccessKey', type: 'string', required: false, secret: true, description: 'Secret access key' },
      {
        name: 'CustomServiceUrl',
        type: 'string',
        required: false,
        secret: false,
        description: 'Endpoint of an S3-compatible store (MinIO …)',
      },
      {
        name: 'UsePathStyle',
        type: 'boolean',
        required: false,
        secret: false,
        description: 'Path-style URLs (MinIO and most S3-compatible stores)',
      },
      {
        name: 'Encrypted',
        type: 'boolean',
        required: false,
        secret: false,
        description: 'Server-side encryption (AES256)',
      },
      {
        name: 'RedirectDownloads',
        type: 'boolean',
        required: false,
        secret: false,
        description: 'Answer downloads with a redirect to a short-lived presigned S3 URL instead of streaming them',
      },
    ],
  },
  {
    id: 'azure',
    name: 'Azure Blob Storage',
    properties: [
      {
        name: 'ConnectionString',
        type: 'string',
        required: true,
        secret: true,
        description: 'Storage account connection string',
      },
      { name: 'ContainerName', type: 'string', required: true, secret: false, description: 'Container' },
      { name: 'TargetPath', type: 'string', required: false, secret: false, description: 'Blob name prefix' },
      {
        name: 'RedirectDownloads',
        type: 'boolean',
        required: false,
        secret: false,
        description: 'Answer downloads with a redirect to a short-lived SAS URL instead of streaming them',
      },
    ],
  },
];

/** The answer to a missing or non-string storage type (`id`, or its alias `type`). */
export const STORAGE_ID_REQUIRED = `"id" is required: one of ${STORAGE_TYPES.map((t) => t.id).join(', ')}.`;

export function typeInfo(id: string): StorageTypeInfo | undefined {
  return STORAGE_TYPES.find((t) => t.id === id.toLowerCase());
}

/**
 * Validates settings sent by a client. Property names are matched case-insensitively and
 * returned in ProGet's spelling; unknown names, wrong types and missing required ones are a 400
 * naming the property. A secret sent as {@link MASKED_SECRET} keeps the `current` one.
 */
export function parseStorageSettings(input: StorageSettingsDto, current?: StorageSettings): StorageSettings {
  const rawId = input.id ?? input.type;
  if (typeof rawId !== 'string') throw badRequest(STORAGE_ID_REQUIRED);
  const type = typeInfo(rawId);
  if (!type) throw badRequest(`Unknown storage "${rawId}": use ${STORAGE_TYPES.map((t) => t.id).join(', ')}.`);
  const given = input.properties ?? {};
  const properties: Record<string, string | boolean> = {};
  for (const [name, value] of Object.entries(given)) {
    const spec = type.properties.find((p) => p.name.toLowerCase() === name.toLowerCase());
    if (!spec)
      throw badRequest(
        `Unknown property "${name}" for ${type.id} storage: use ${type.properties.map((p) => p.name).join(', ')}.`,
      );
    if (value === null || value === '') continue;
    if (spec.type === 'boolean') {
      const flag = typeof value === 'string' ? value.toLowerCase() : value;
      if (flag !== true && flag !== false && flag !== 'true' && flag !== 'false')
        throw badRequest(`"${spec.name}" must be true or false.`);
      properties[spec.name] = flag === true || flag === 'true';
    } else {
      if (typeof value !== 'string') throw badRequest(`"${spec.name}" must be a string.`);
      if (value.length > 4096) throw badRequest(`"${spec.name}" is too long.`);
      if (spec.secret && value === MASKED_SECRET) {
        const kept = current?.id === type.id ? current.properties[spec.name] : undefined;
        if (kept === undefined) throw badRequest(`"${spec.name}" must be given: there is no stored value to keep.`);
        properties[spec.name] = kept;
      } else {
        properties[spec.name] = value;
      }
    }
  }
  for (const spec of type.properties) {
    if (spec.required && properties[spec.name] === undefined)
      throw badRequest(`"${spec.name}" is required for ${type.id} storage.`);
  }
  if (type.id === 's3' && properties['SecretAccessKey'] !== undefined && properties['AccessKey'] === undefined) {
    throw badRequest('"AccessKey" is required with "SecretAccessKey".');
  }
  // The SDK builds AWS's host name from the region: one DNS label, nothing else.
  if (type.id === 's3' && properties['RegionEndpoint'] !== undefined) {
    if (!/^[a-z0-9-]{1,50}$/i.test(String(properties['RegionEndpoint'])))
      throw badRequest('"RegionEndpoint" must be a region name such as eu-west-1.');
  }
  if (type.id === 's3' && properties['CustomServiceUrl'] !== undefined)
    checkUrl(String(properties['CustomServiceUrl']));
  if (
    type.id === 'azure' &&
    properties['RedirectDownloads'] === true &&
    !/(^|;)\s*AccountKey=/i.test(String(properties['ConnectionString']))
  ) {
    throw badRequest('"RedirectDownloads" needs a "ConnectionString" with an AccountKey (to sign SAS URLs).');
  }
  if (type.id === 'disk' && properties['Path'] !== undefined && !String(properties['Path']).startsWith('/')) {
    throw badRequest('"Path" must be an absolute path.');
  }
  return { id: type.id as StorageKind, properties };
}

/** The settings with every set secret replaced by {@link MASKED_SECRET}. */
export function maskSecrets(settings: StorageSettings): StorageSettings {
  const type = typeInfo(settings.id);
  const properties = { ...settings.properties };
  for (const spec of type?.properties ?? []) {
    if (spec.secret && properties[spec.name] !== undefined) properties[spec.name] = MASKED_SECRET;
  }
  return { id: settings.id, properties };
}

/** Applies `transform` to every secret property (encrypting for storage, decrypting for use). */
export function mapSecrets(settings: StorageSettings, transform: (value: string) => string): StorageSettings {
  const type = typeInfo(settings.id);
  const properties = { ...settings.properties };
  for (const spec of type?.properties ?? []) {
    const value = properties[spec.name];
    if (spec.secret && typeof value === 'string') properties[spec.name] = transform(value);
  }
  return { id: settings.id, properties };
}

function checkUrl(raw: string): void {
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
  } catch {
    throw badRequest('"CustomServiceUrl" must be an http(s) URL.');
  }
}

/**
 * Where a storage keeps its files, without credentials or options: two settings with the same
 * location hold the same blobs (rotating a key or turning on redirects moves nothing). Takes
 * settings with secrets in clear: an Azure location is the account named by the connection string.
 */
export function storageLocation(settings: StorageSettings): string {
  const p = settings.properties;
  const text = (name: string) => (typeof p[name] === 'string' ? String(p[name]) : '');
  const prefix = text('TargetPath').replace(/^\/+|\/+$/g, '');
  switch (settings.id) {
    case 'disk':
      return `disk:${text('Path').replace(/\/+$/, '')}`;
    case 's3':
      return `s3:${text('CustomServiceUrl') || 'aws'}|${text('BucketName')}|${prefix}`;
    case 'azure': {
      const parts = new Map(
        text('ConnectionString')
          .split(';')
          .map((kv) => [kv.slice(0, kv.indexOf('=')).toLowerCase(), kv.slice(kv.indexOf('=') + 1)] as const),
      );
      const account = parts.get('blobendpoint') || parts.get('accountname') || text('ConnectionString');
      return `azure:${account}|${text('ContainerName')}|${prefix}`;
    }
  }
}

/** Properties that change how a storage is used, not where it is nor with which credentials. */
const OPTION_PROPERTIES = new Set(['RedirectDownloads', 'Encrypted']);

/**
 * Whether two settings (secrets in clear) connect to the same place with the same credentials:
 * equal in everything but {@link OPTION_PROPERTIES}.
 */
export function sameConnection(a: StorageSettings, b: StorageSettings): boolean {
  if (a.id !== b.id) return false;
  const names = new Set([...Object.keys(a.properties), ...Object.keys(b.properties)]);
  return [...names].every((name) => OPTION_PROPERTIES.has(name) || a.properties[name] === b.properties[name]);
}

/** Azure's public blob endpoints: `https://<account>.blob.<suffix>` (global, China, US government). */
const AZURE_STANDARD_HOST =
  /^[a-z0-9]{3,24}\.blob\.(core\.windows\.net|core\.chinacloudapi\.cn|core\.usgovcloudapi\.net)$/;

/**
 * What in these settings (secrets in clear) only an administrator may configure, as the end of
 * "Only an administrator can …", or undefined when a directory manager may. Anything that makes the
 * server contact an address of the caller's choosing, or use the server's own credentials, or
 * write outside the data directory:
 * - disk: a `Path` other than the directory's default folder;
 * - S3: a `CustomServiceUrl`, or no `AccessKey` + `SecretAccessKey` (the server's credential chain:
 *   environment, profile, instance or task role);
 * - Azure: a connection string whose endpoint, as the SDK itself reads it, is not
 *   `https://<account>.blob.core.windows.net` (BlobEndpoint, EndpointSuffix,
 *   DefaultEndpointsProtocol=http, UseDevelopmentStorage …).
 */
export async function administratorOnly(
  settings: StorageSettings,
  defaultDiskPath: string,
): Promise<string | undefined> {
  const p = settings.properties;
  switch (settings.id) {
    case 'disk':
      return p['Path'] !== undefined && p['Path'] !== defaultDiskPath
        ? 'put a directory in a custom disk folder.'
        : undefined;
    case 's3':
      if (p['CustomServiceUrl'] !== undefined)
        return 'set a custom S3 endpoint (CustomServiceUrl): directory managers use AWS with their own keys.';
      if (p['AccessKey'] === undefined || p['SecretAccessKey'] === undefined)
        return "use S3 without an AccessKey and SecretAccessKey (the server's own AWS credentials).";
      return undefined;
    case 'azure':
      return (await azureStandardEndpoint(String(p['ConnectionString'])))
        ? undefined
        : 'use an Azure connection string with its own endpoint (BlobEndpoint, EndpointSuffix, http, development storage…): directory managers use https://<account>.blob.core.windows.net.';
  }
}

/** Whether the connection string's endpoint, as the SDK resolves it, is a public Azure one. */
async function azureStandardEndpoint(connectionString: string): Promise<boolean> {
  let provider: AzureBlobStorageProvider;
  try {
    provider = new AzureBlobStorageProvider({ connectionString, container: 'probe' });
  } catch {
    throw badRequest('"ConnectionString" is not a valid Azure Storage connection string.');
  }
  // The SDK's own reading (what it will connect to), not a second parser that could disagree.
  const url = new URL((await provider.endpoints())[0]);
  return url.protocol === 'https:' && url.port === '' && AZURE_STANDARD_HOST.test(url.hostname);
}
