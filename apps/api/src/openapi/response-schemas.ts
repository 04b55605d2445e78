import type { ReferenceObject, SchemaObject } from '@nestjs/swagger';
import {
  AuditAction,
  ErrorCode,
  Privilege,
  RETENTION_INTEGER_BOUNDS,
  type ApiKeyInfo,
  type AssetItem,
  type AssetMetadataUpdate,
  type AssetTransferRequest,
  type AssetTransferResult,
  type AuditEvent,
  type AuditPage,
  type ConnectorSettings,
  type ConnectorStatus,
  type CurrentPrincipal,
  CONNECTOR_TYPES,
  type ErrorResponse,
  type Feed,
  type FileHistorySettings,
  type FileVersion,
  type Group,
  type ImportResult,
  type LogoutResult,
  type MultipartStatus,
  type PrivilegeRule,
  type ReplicationJob,
  type ReplicationRun,
  type ReplicationRunFile,
  REPLICATION_MODES,
  type RetentionFile,
  type RetentionPreview,
  type RetentionRule,
  type RetentionRun,
  type RetentionSettings,
  type RetentionTotals,
  type Role,
  type SignedUrl,
  type CreatedShare,
  type Share,
  type StorageMove,
  type StoragePropertyInfo,
  type StorageSettings,
  type StorageTestResult,
  type StorageTypeInfo,
  type LdapTestResult,
  type SsoSettings,
  type User,
  type Webhook,
  type WebhookDelivery,
  type WebhookEventBody,
  type WebhookTestResult,
  WEBHOOK_EVENT_TYPES,
} from '@stockroom/contracts';

/*
 * The response shapes of the API for the OpenAPI document. They are interfaces in
 * libs/shared/contracts (which must stay free of Nest), so they are described here, next to the
 * document, as schema objects typed against those interfaces: `objectOf<Feed>` demands every field
 * of `Feed`, and marks exactly its optional fields optional (`opt(...)`), so a field added to or
 * removed from a contract fails the type check until its description follows.
 */

type Schema = SchemaObject | ReferenceObject;

interface Optional {
  optional: Schema;
}

/** Wraps the schema of an optional field. */
const opt = (schema: Schema): Optional => ({ optional: schema });

type Fields<T> = { [K in keyof T]-?: object extends Pick<T, K> ? Optional : Schema };

function objectOf<T>(fields: Fields<T>, description?: string): SchemaObject {
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  for (const [name, field] of Object.entries(fields as Record<string, Schema | Optional>)) {
    if ('optional' in field) {
      properties[name] = field.optional;
    } else {
      properties[name] = field;
      required.push(name);
    }
  }
  return { type: 'object', ...(description ? { description } : {}), properties, required };
}

const str = (description?: string): SchemaObject => ({ type: 'string', ...(description ? { description } : {}) });
const dateTime = (description?: string): SchemaObject => ({ ...str(description), format: 'date-time' });
const int = (description?: string): SchemaObject => ({ type: 'integer', ...(description ? { description } : {}) });
const bool = (description?: string): SchemaObject => ({ type: 'boolean', ...(description ? { description } : {}) });
const arrayOf = (items: Schema, description?: string): SchemaObject => ({
  type: 'array',
  items,
  ...(description ? { description } : {}),
});
const oneOfStrings = (values: readonly string[], description?: string): SchemaObject => ({
  ...str(description),
  enum: [...values],
});
const nullable = (schema: SchemaObject): SchemaObject => ({ ...schema, nullable: true });
const anyObject = (description?: string): SchemaObject => ({
  type: 'object',
  additionalProperties: true,
  ...(description ? { description } : {}),
});

const privilege = oneOfStrings(Object.values(Privilege));
const credential = oneOfStrings([
  'anonymous',
  'session',
  'password',
  'pseudo-key',
  'api-key',
  'signed-url',
  'share-link',
]);

function retentionInteger(name: keyof typeof RETENTION_INTEGER_BOUNDS): Optional {
  const { min, max, expected } = RETENTION_INTEGER_BOUNDS[name];
  return opt({ ...int(expected), minimum: min, ...(max !== undefined ? { maximum: max } : {}) });
}

const SCHEMAS = {
  ErrorResponse: objectOf<ErrorResponse>(
    { code: oneOfStrings(Object.values(ErrorCode)), message: str('What is wrong, for a person to read.') },
    'The error body of every `/api` route (the `/endpoints` routes answer `text/plain`).',
  ),
  RetentionRule: objectOf<RetentionRule>(
    {
      deletePackageIds: opt(arrayOf(str(), 'Path patterns; when set, only matching files are deleted.')),
      keepPackageIds: opt(arrayOf(str(), 'Path patterns; matching files are never deleted by this rule.')),
      deleteOlderThanDays: retentionInteger('deleteOlderThanDays'),
      keepUsedWithinDays: retentionInteger('keepUsedWithinDays'),
      triggerDownloadCount: retentionInteger('triggerDownloadCount'),
      keepLatestCount: retentionInteger('keepLatestCount'),
      sizeTriggerKb: retentionInteger('sizeTriggerKb'),
      sizeExclusive: opt(bool('The quota counts only the files the rule matches.')),
    },
    "One retention rule (ProGet's `retentionRules` entry); its conditions are ANDed.",
  ),
  ConnectorSettings: objectOf<ConnectorSettings>(
    {
      url: str('`http`: the base URL paths are appended to; `stockroom`: `https://host/endpoints/{feed}/`.'),
      type: oneOfStrings(CONNECTOR_TYPES),
      username: opt(str()),
      password: opt(str('Reads back as `********`.')),
      apiKey: opt(str('Sent as `X-ApiKey`; reads back as `********`.')),
      cacheMinutes: int('How long a fetched file is served before it is revalidated.'),
      negativeCacheMinutes: int("How long an upstream's 404 is remembered."),
      timeoutSeconds: int('Connect and idle timeout of each upstream request.'),
      offline: bool('Serve only cached files; never contact the upstream.'),
    },
    "[ext] A directory's upstream: missing files are fetched from it once, then served locally.",
  ),
  ConnectorStatus: objectOf<ConnectorStatus>(
    {
      feed: str(),
      connector: nullable({ $ref: '#/components/schemas/ConnectorSettings' } as SchemaObject),
      cachedFiles: int('Files fetched from the upstream that the directory holds as fetched.'),
      cachedBytes: int(),
      hits: int('Requests answered from what the directory holds.'),
      misses: int('Requests for files the directory lacked.'),
      hitRate: { type: 'number', description: 'hits / (hits + misses); 0 when nothing was asked.' },
      errors: int('Upstream fetches and revalidations that failed.'),
      lastFetchAt: nullable(dateTime()),
      lastError: nullable(
        objectOf<{ at: string; path: string; message: string }>({ at: dateTime(), path: str(), message: str() }),
      ),
    },
    "[ext] How a directory's upstream is doing (`GET /api/connectors/{feed}/status`).",
  ),
  Feed: objectOf<Feed>(
    {
      name: str(),
      feedType: oneOfStrings(['asset']),
      description: str(),
      active: bool(),
      retentionRules: arrayOf({ $ref: '#/components/schemas/RetentionRule' }),
      retentionRulesEnabled: bool(),
      retentionDryRun: bool('[ext] Runs of this directory only log what they would delete.'),
      inlineContent: opt(bool('[ext] Active files are shown inline (sandboxed) instead of downloaded.')),
      writePolicy: opt(
        oneOfStrings(
          ['allow', 'create-only', 'read-only'],
          '[ext] What the directory accepts: every write, new paths only, or nothing. Only an administrator changes it.',
        ),
      ),
      quotaBytes: opt({
        ...int('[ext] The most bytes its files may take; null = no quota. Only an administrator sets it.'),
        nullable: true,
      }),
      quotaUsedBytes: opt(int('[ext] The bytes its current files take, each counted in full.')),
      fileHistory: opt({ $ref: '#/components/schemas/FileHistorySettings' }),
      privileges: opt(arrayOf(privilege, "[ext] The caller's privileges on this directory.")),
      fileCount: opt(int('[ext] With `?stats=true`: how many files the directory holds.')),
      totalBytes: opt(int('[ext] With `?stats=true`: the total size of its files, in bytes.')),
      storageType: opt(oneOfStrings(['disk', 's3', 'azure'], '[ext] Its storage provider.')),
      connector: opt({
        ...nullable({ $ref: '#/components/schemas/ConnectorSettings' } as SchemaObject),
        description: '[ext] Its upstream (secrets masked); null = none.',
      }),
    },
    'An asset directory, as ProGet\'s feed API shows it (`feedType` "asset").',
  ),
  FileHistorySettings: objectOf<FileHistorySettings>(
    {
      enabled: bool('Overwritten and deleted files keep their previous content as versions.'),
      keep: int('Versions kept per path (0 keeps none).'),
      keepDays: int('Versions older than this many days are dropped (0: no age limit).'),
    },
    '[ext] File history of a directory (off by default); an update replaces the whole object.',
  ),
  FileVersion: objectOf<FileVersion>(
    {
      path: opt(str('Only in a `?deleted=true` listing: the deleted file.')),
      version: int('Per path, from 1, never reused.'),
      size: int(),
      modified: str('When this content was written (ISO 8601).'),
      replacedAt: str('When it stopped being current (ISO 8601).'),
      replacedBy: nullable(str('The user name or API key description that replaced it.')),
      deleted: bool('It was current when the file was deleted.'),
      md5: nullable(str()),
      sha1: nullable(str()),
      sha256: nullable(str()),
      sha512: nullable(str()),
      type: nullable(str('Its media type.')),
    },
    '[ext] A kept version of a file (`GET /endpoints/{dir}/versions/{path}`).',
  ),
  CacheHeader: {
    type: 'object',
    description:
      '`{"type":"Inherit"}`, `{"type":"TTL","value":60}`, `{"type":"NoCache"}` or `{"type":"Custom","value":"…"}`.',
    properties: {
      type: oneOfStrings(['Inherit', 'TTL', 'NoCache', 'Custom']),
      value: { oneOf: [int('TTL: seconds.'), str('Custom: the Cache-Control value.')] },
    },
    required: ['type'],
  },
  AssetItem: objectOf<AssetItem>(
    {
      name: str('Leaf name.'),
      parent: opt(str('Full parent path without leading or trailing `/`; omitted at the root.')),
      type: str('Media type of a file, `dir` for a folder.'),
      size: opt(int('Files: bytes.')),
      content: opt(str('Files: absolute download URL.')),
      created: dateTime(),
      modified: dateTime(),
      md5: opt(str()),
      sha1: opt(str()),
      sha256: opt(str()),
      sha512: opt(str()),
      downloadCount: opt(int('[ext] Files: how many times the file was downloaded.')),
      lastDownloaded: opt(dateTime('[ext] Files: the last download; omitted when never downloaded.')),
      userMetadata: opt({
        type: 'object',
        additionalProperties: {
          oneOf: [
            str(),
            {
              type: 'object',
              properties: { value: str(), includeInResponseHeader: { type: 'boolean', enum: [true] } },
              required: ['value', 'includeInResponseHeader'],
            },
          ],
        },
      }),
      cacheHeader: { $ref: '#/components/schemas/CacheHeader' },
    },
    'A file or folder (spec §3): listing elements and `GET metadata/{path}`.',
  ),
  AssetMetadataUpdate: objectOf<AssetMetadataUpdate>(
    {
      type: opt(str("A file's media type (`type/subtype`); folders ignore it.")),
      userMetadataUpdateMode: opt(oneOfStrings(['update', 'replace'])),
      userMetadata: opt({
        type: 'object',
        additionalProperties: {
          oneOf: [
            str(),
            {
              type: 'object',
              properties: { value: str(), includeInResponseHeader: bool() },
              required: ['value'],
            },
          ],
        },
      }),
      cacheHeader: opt({
        type: 'object',
        properties: {
          type: str('`inherit`, `nocache`, `ttl` or `custom`, any case.'),
          value: { oneOf: [int(), str()] },
        },
        required: ['type'],
      }),
    },
    '`POST metadata/{path}` (spec §5).',
  ),
  ImportResult: objectOf<ImportResult>({ created: int(), overwritten: int(), skipped: int() }),
  AssetTransferRequest: objectOf<AssetTransferRequest>({
    to: str('The new path; every path rule applies.'),
    toDirectory: opt(str('Another directory (default: the same one).')),
    overwrite: opt(bool('Replace a file standing at `to` (needs Overwrite there). Folders are never merged.')),
  }),
  AssetTransferResult: objectOf<AssetTransferResult>({
    kind: oneOfStrings(['file', 'dir']),
    directory: str('Where the item (or its copy) now is.'),
    path: str(),
    items: int('Items moved or made: the item and everything below it.'),
    files: int('Files among them.'),
    bytesCopied: int('Bytes streamed into another storage; 0 within one storage (blobs are shared).'),
    replaced: bool('A file stood at the target and was replaced (else the target was created).'),
  }),
  MultipartStatus: objectOf<MultipartStatus>({
    id: str(),
    totalSize: int(),
    totalParts: int(),
    received: arrayOf(int(), 'Indexes of the parts received so far.'),
  }),
  User: objectOf<User>({
    userName: str(),
    displayName: str(),
    email: str(),
    enabled: bool(),
    groups: arrayOf(str()),
    createdAt: dateTime(),
    source: opt(oneOfStrings(['builtin', 'ldap', 'oidc'])),
    lastSignInAt: opt(nullable(dateTime())),
  }),
  Group: objectOf<Group>({
    name: str(),
    description: str(),
    members: arrayOf(str()),
    source: opt(oneOfStrings(['builtin', 'ldap', 'oidc'])),
  }),
  SsoSettings: objectOf<SsoSettings>({
    ldap: objectOf<SsoSettings['ldap']>({
      enabled: bool(),
      url: opt(str('ldap:// or ldaps:// (no credentials).')),
      startTls: opt(bool()),
      userBase: opt(str()),
      userFilter: opt(str()),
      groupBase: opt(str()),
      groupFilter: opt(str()),
    }),
    oidc: objectOf<SsoSettings['oidc']>({
      enabled: bool(),
      issuer: opt(str()),
      clientId: opt(str()),
      scopes: opt(str()),
      groupsClaim: opt(str()),
      usernameClaim: opt(str()),
      providerName: opt(str('The sign-in button says "Sign in with {providerName}".')),
      loginUrl: opt(str('A browser navigation starts the sign-in here.')),
      redirectUri: opt(str('To register at the identity provider.')),
    }),
  }),
  LdapTestResult: objectOf<LdapTestResult>({
    ok: bool(),
    error: opt(str('Why not, when ok is false.')),
    dn: opt(str()),
    displayName: opt(str()),
    email: opt(str()),
    groups: opt(arrayOf(str(), 'External group names, nested ones included.')),
    elapsedMs: opt(int()),
  }),
  Role: objectOf<Role>({ name: str(), description: str(), privileges: arrayOf(privilege), builtIn: bool() }),
  PrivilegeRule: objectOf<PrivilegeRule>({
    id: int(),
    principalType: oneOfStrings(['user', 'group', 'pseudo']),
    principalName: str(),
    role: str(),
    feed: nullable(str('A directory, or null for a global rule.')),
    deny: bool(),
  }),
  ApiKeyInfo: objectOf<ApiKeyInfo>(
    {
      id: int(),
      type: oneOfStrings(['System', 'Feed', 'Personal']),
      key: opt(str('Only in the answer to create: the secret, shown once.')),
      displayName: opt(str()),
      description: opt(str()),
      systemApis: opt(arrayOf(str())),
      packagePermissions: opt(arrayOf(oneOfStrings(['view', 'add', 'promote', 'delete']))),
      feed: opt(str()),
      feedGroup: opt(str()),
      expiration: opt(dateTime()),
      logging: opt(oneOfStrings(['None', 'Request', 'Response', 'Both'])),
      user: opt(str()),
      createdAt: opt(dateTime()),
      createdBy: opt(str()),
      lastUsedAt: opt(dateTime()),
      revokedAt: opt(dateTime()),
    },
    "ProGet's ApiKeyInfo (pgutil `apikeys`), plus bookkeeping fields.",
  ),
  CurrentPrincipal: objectOf<CurrentPrincipal>({
    authenticated: bool(),
    userName: nullable(str()),
    displayName: str(),
    credential,
    privileges: arrayOf(privilege, 'Privileges held at global scope.'),
    source: opt(oneOfStrings(['builtin', 'ldap', 'oidc'])),
  }),
  LogoutResult: objectOf<LogoutResult>(
    {
      endSessionUrl: opt(
        str("For a user signed in with OpenID Connect: the identity provider's end-session (logout) URL."),
      ),
    },
    'Signed out of Stockroom.',
  ),
  AuditEvent: objectOf<AuditEvent>({
    id: int(),
    at: dateTime(),
    action: oneOfStrings(Object.values(AuditAction)),
    userName: nullable(str()),
    credential,
    address: str(),
    feed: nullable(str()),
    target: nullable(str()),
    details: anyObject(),
  }),
  AuditPage: objectOf<AuditPage>({
    events: arrayOf({ $ref: '#/components/schemas/AuditEvent' }),
    next: opt(int('Pass as `before` to read the next (older) page; absent on the last page.')),
  }),
  CreatedShare: objectOf<CreatedShare>({
    id: int('Revoke with `DELETE /api/shares/{id}`.'),
    url: str('Absolute: `{base}/s/{token}`. The only time the token is shown.'),
    expiresAt: dateTime('The link answers 410 Gone after this.'),
  }),
  Share: objectOf<Share>({
    id: int(),
    feed: str(),
    path: str("The shared file's or folder's path ('' for the whole directory)."),
    kind: oneOfStrings(['file', 'folder']),
    createdBy: str(),
    createdAt: dateTime(),
    expiresAt: dateTime(),
    maxDownloads: nullable(int('Downloads from byte 0 allowed; null: unlimited.')),
    downloads: int('Downloads so far (files from byte 0 and archives).'),
    hasPassword: bool(),
    endedAt: nullable(dateTime('When the link was revoked or its path moved or deleted.')),
    state: oneOfStrings(['active', 'expired', 'revoked', 'exhausted', 'ended']),
  }),
  Webhook: objectOf<Webhook>({
    id: str(),
    url: str('Where deliveries are POSTed.'),
    events: arrayOf(oneOfStrings(WEBHOOK_EVENT_TYPES)),
    feed: nullable(str('The directory whose events it receives; null: every directory (Administer).')),
    secret: str('Always `********`: the HMAC key is write-only.'),
    active: bool(),
    createdBy: str(),
    createdAt: dateTime(),
    lastDelivery: opt(
      nullable(
        objectOf<NonNullable<Webhook['lastDelivery']>>({
          at: dateTime(),
          status: oneOfStrings(['pending', 'delivered', 'failed']),
          responseStatus: nullable(int()),
        }),
      ),
    ),
  }),
  WebhookEventBody: objectOf<WebhookEventBody>(
    {
      id: str('The event id, also `X-Stockroom-Delivery`: the same for every retry.'),
      type: oneOfStrings(WEBHOOK_EVENT_TYPES),
      occurredAt: dateTime(),
      directory: nullable(str()),
      path: nullable(str()),
      actor: str('A user name, an API key description, or `system`.'),
      item: nullable(anyObject('The file or folder as the listing JSON shows it.')),
      details: opt(anyObject('Event-specific: `from` of a move, a run id and counts…')),
    },
    'The JSON body of every delivery, signed in `X-Stockroom-Signature`.',
  ),
  WebhookDelivery: objectOf<WebhookDelivery>({
    id: str(),
    webhookId: str(),
    eventId: str(),
    eventType: oneOfStrings(WEBHOOK_EVENT_TYPES),
    state: oneOfStrings(['pending', 'delivered', 'failed']),
    attempts: int(),
    createdAt: dateTime(),
    nextAttemptAt: nullable(dateTime('When it is tried next (pending only).')),
    body: opt({ $ref: '#/components/schemas/WebhookEventBody' }),
    attemptLog: opt(
      arrayOf(
        objectOf<NonNullable<WebhookDelivery['attemptLog']>[number]>({
          at: dateTime(),
          status: nullable(int("The receiver's status; null: no answer (see error).")),
          latencyMs: int(),
          error: nullable(str()),
        }),
      ),
    ),
  }),
  WebhookTestResult: objectOf<WebhookTestResult>({
    eventId: str('The `webhook.test` event; its delivery appears in the deliveries.'),
  }),
  SignedUrl: objectOf<SignedUrl>({
    url: str('Absolute; on the content origin when one is configured.'),
    expires: dateTime('The URL is refused after this.'),
  }),
  StorageSettings: objectOf<StorageSettings>({
    id: oneOfStrings(['disk', 's3', 'azure']),
    properties: {
      type: 'object',
      additionalProperties: { oneOf: [str(), bool()] },
      description: 'ProGet property names; a set secret reads as `********`.',
    },
    move: opt({ $ref: '#/components/schemas/StorageMove' }),
  }),
  StoragePropertyInfo: objectOf<StoragePropertyInfo>({
    name: str(),
    type: oneOfStrings(['string', 'boolean']),
    required: bool(),
    secret: bool(),
    description: str(),
  }),
  StorageTypeInfo: objectOf<StorageTypeInfo>({
    id: oneOfStrings(['disk', 's3', 'azure']),
    name: str(),
    properties: arrayOf({ $ref: '#/components/schemas/StoragePropertyInfo' }),
  }),
  StorageTestResult: objectOf<StorageTestResult>({
    ok: bool(),
    steps: arrayOf({
      type: 'object',
      properties: { step: oneOfStrings(['connect', 'write', 'read', 'delete']), ok: bool(), message: str() },
      required: ['step', 'ok', 'message'],
    }),
  }),
  StorageMove: objectOf<StorageMove>({
    id: str(),
    feed: str(),
    state: oneOfStrings(['copying', 'completed', 'failed']),
    from: { $ref: '#/components/schemas/StorageSettings' },
    to: { $ref: '#/components/schemas/StorageSettings' },
    startedBy: str(),
    startedAt: dateTime(),
    updatedAt: dateTime(),
    finishedAt: nullable(dateTime()),
    totalFiles: int(),
    totalBytes: int(),
    copiedFiles: int(),
    copiedBytes: int(),
    failedFiles: int(),
    errors: arrayOf({
      type: 'object',
      properties: { path: str(), message: str() },
      required: ['path', 'message'],
    }),
  }),
  RetentionFile: objectOf<RetentionFile>({
    path: str(),
    size: int(),
    created: dateTime(),
    modified: dateTime(),
    downloadCount: int(),
    lastDownloaded: opt(dateTime()),
    rule: int('1-based index of the rule that selected the file.'),
    reason: str(),
    outcome: opt(oneOfStrings(['deleted', 'would-delete', 'skipped'])),
    note: opt(str()),
  }),
  RetentionTotals: objectOf<RetentionTotals>({
    files: int(),
    bytes: int(),
    scannedFiles: int(),
    scannedBytes: int(),
    perRule: arrayOf({
      type: 'object',
      properties: { rule: int(), files: int(), bytes: int() },
      required: ['rule', 'files', 'bytes'],
    }),
  }),
  RetentionPreview: objectOf<RetentionPreview>({
    id: str(),
    directory: str(),
    createdAt: dateTime(),
    createdBy: str(),
    evaluatedAt: dateTime(),
    rules: arrayOf({ $ref: '#/components/schemas/RetentionRule' }),
    totals: { $ref: '#/components/schemas/RetentionTotals' },
    appliedBy: opt(int('The run that applied this preview.')),
    files: arrayOf({ $ref: '#/components/schemas/RetentionFile' }),
    offset: int(),
  }),
  RetentionRun: objectOf<RetentionRun>({
    id: int(),
    kind: oneOfStrings(['retention', 'maintenance']),
    directory: opt(str()),
    trigger: oneOfStrings(['manual', 'scheduled', 'apply']),
    dryRun: bool(),
    state: oneOfStrings(['running', 'completed', 'failed']),
    startedBy: str(),
    startedAt: dateTime(),
    finishedAt: opt(dateTime()),
    slot: opt(dateTime()),
    previewId: opt(str()),
    selectedFiles: int(),
    selectedBytes: int(),
    handledFiles: int(),
    deletedFiles: int(),
    freedBytes: int(),
    skippedFiles: int(),
    foldersRemoved: int(),
    resumed: int(),
    error: opt(str()),
    details: opt(anyObject()),
    files: opt(arrayOf({ $ref: '#/components/schemas/RetentionFile' }, '`GET /api/retention/runs/{id}` only.')),
  }),
  RetentionSettings: objectOf<RetentionSettings>({
    schedule: str("Cron expression; '' = no scheduled runs."),
    timezone: str(),
    dryRun: bool(),
    historyDays: int(),
    nextRun: opt(dateTime()),
  }),
  ReplicationRunFile: objectOf<ReplicationRunFile>({
    path: str(),
    outcome: oneOfStrings(
      ['copied', 'deleted', 'skipped', 'failed'],
      '`skipped`: a remote path refused (its reason says why).',
    ),
    size: int(),
    reason: opt(str()),
  }),
  ReplicationRun: objectOf<ReplicationRun>({
    id: str(),
    jobId: str(),
    trigger: oneOfStrings(['manual', 'scheduled']),
    state: oneOfStrings(['running', 'completed', 'failed']),
    startedBy: str(),
    startedAt: dateTime(),
    finishedAt: opt(dateTime()),
    comparedFiles: int(),
    copiedFiles: int(),
    deletedFiles: int(),
    skippedFiles: int('Unchanged files, and remote paths refused.'),
    failedFiles: int(),
    bytes: int(),
    resumed: int('Times a node took the run over after the one running it stopped.'),
    error: opt(str()),
    files: opt(
      arrayOf({ $ref: '#/components/schemas/ReplicationRunFile' }, '`GET /api/replication/{id}/runs/{runId}` only.'),
    ),
  }),
  ReplicationJob: objectOf<ReplicationJob>({
    id: str(),
    feed: str(),
    remoteUrl: str(),
    remoteFeed: str(),
    mode: oneOfStrings(REPLICATION_MODES),
    apiKey: str('`********` when set, else empty.'),
    schedule: str("Cron expression (5 or 6 fields, UTC); '' = on demand only."),
    deletes: bool(),
    createdBy: str(),
    createdAt: dateTime(),
    nextRun: opt(dateTime()),
    lastRun: opt(nullable({ $ref: '#/components/schemas/ReplicationRun' } as SchemaObject)),
  }),
  ReplicationIdentity: objectOf<{ server: string }>({ server: str("This installation's UUID (every node's).") }),
} satisfies Record<string, SchemaObject>;

export type SchemaName = keyof typeof SCHEMAS;

/** The named schemas, for `components.schemas` of the document. */
export const RESPONSE_SCHEMAS: Readonly<Record<SchemaName, SchemaObject>> = SCHEMAS;

/** `{ $ref }` to one of {@link RESPONSE_SCHEMAS}. */
export function schemaRef(name: SchemaName): ReferenceObject {
  return { $ref: `#/components/schemas/${name}` };
}

/** An array of one of {@link RESPONSE_SCHEMAS}. */
export function arrayOfRef(name: SchemaName): SchemaObject {
  return { type: 'array', items: schemaRef(name) };
}
