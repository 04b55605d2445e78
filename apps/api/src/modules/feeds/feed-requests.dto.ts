import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { Allow, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import {
  WRITE_POLICIES,
  type CreateFeedRequest,
  type FileHistorySettings,
  type UpdateFeedRequest,
  type WritePolicy,
} from '@stockroom/contracts';
import { badRequest } from '../../common/errors/app-error';
import { OptionalBoolean, OptionalString, RequiredString } from '../../common/http/body-fields';
import { IgnoresUnknownFields } from '../../common/http/body-validation.pipe';
import { parseRetentionRules, type RetentionRule } from '../retention/rules/retention-rule';
import { schemaRef } from '../../openapi/response-schemas';
import { type ConnectorInput, parseConnector } from './connector-settings';

/**
 * `retentionRules` as ProGet's feed API and pgutil send them: rule fields in any case, ProGet's
 * package-only fields present but empty. The typed parser checks and normalises them here, at the
 * edge (its messages name the field: `retentionRules[0].keepLatestCount must be …`); null or an
 * empty array clears the rules.
 */
function RetentionRules(): PropertyDecorator {
  return (target, key) => {
    ApiProperty({ required: false, nullable: true, type: 'array', items: schemaRef('RetentionRule') })(target, key);
    Allow()(target, key);
    Transform(({ obj }) => parseRetentionRules((obj as Record<string, unknown>)[key as string] ?? []))(target, key);
  };
}

/** [ext] `writePolicy`: one of WRITE_POLICIES, or absent / null (= not given). */
function WritePolicyField(): PropertyDecorator {
  return (target, key) => {
    ApiProperty({ required: false, nullable: true, enum: WRITE_POLICIES })(target, key);
    IsOptional()(target, key);
    IsIn([...WRITE_POLICIES], {
      message: `"$property" must be one of ${WRITE_POLICIES.map((p) => `"${p}"`).join(', ')}.`,
    })(target, key);
  };
}

/** [ext] `quotaBytes`: a whole number of bytes ≥ 0; null lifts the quota, absent keeps it. */
function QuotaField(): PropertyDecorator {
  return (target, key) => {
    ApiProperty({ required: false, nullable: true, type: 'integer', minimum: 0 })(target, key);
    IsOptional()(target, key);
    IsInt({ message: '"$property" must be a whole number of bytes, or null for no quota.' })(target, key);
    Min(0, { message: '"$property" must not be negative.' })(target, key);
    Max(Number.MAX_SAFE_INTEGER, { message: '"$property" is too large.' })(target, key);
  };
}

const HISTORY_FIELDS = ['enabled', 'keep', 'keepDays'];

/**
 * [ext] `fileHistory: {"enabled", "keep", "keepDays"}`, checked whole at the edge; a field left out
 * takes its default (off, 10 versions, no age limit): an update replaces the whole object. Null is
 * "not given", as for every optional field.
 */
export function parseFileHistory(raw: unknown): FileHistorySettings | undefined {
  if (raw === null || raw === undefined) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw badRequest('"fileHistory" must be an object: {"enabled": true, "keep": 10, "keepDays": 0}.');
  const fields = raw as Record<string, unknown>;
  for (const key of Object.keys(fields))
    if (!HISTORY_FIELDS.includes(key))
      throw badRequest(`"fileHistory.${key}" is an unknown field; use ${HISTORY_FIELDS.join(', ')}.`);
  const integer = (name: 'keep' | 'keepDays', fallback: number): number => {
    const value = fields[name] ?? fallback;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
      throw badRequest(`"fileHistory.${name}" must be an integer ≥ 0.`);
    return value;
  };
  const enabled = fields['enabled'] ?? false;
  if (typeof enabled !== 'boolean') throw badRequest('"fileHistory.enabled" must be true or false.');
  return { enabled, keep: integer('keep', 10), keepDays: integer('keepDays', 0) };
}

function FileHistory(): PropertyDecorator {
  return (target, key) => {
    ApiProperty({ required: false, nullable: true, ...schemaRef('FileHistorySettings') })(target, key);
    Allow()(target, key);
    Transform(({ obj }) => parseFileHistory((obj as Record<string, unknown>)[key as string]))(target, key);
  };
}

function Connector(): PropertyDecorator {
  return (target, key) => {
    ApiProperty({ required: false, nullable: true, ...schemaRef('ConnectorSettings') })(target, key);
    Allow()(target, key);
    Transform(({ obj }) => parseConnector((obj as Record<string, unknown>)[key as string]))(target, key);
  };
}

/** `POST /api/management/feeds/create`: ProGet clients send a whole Feed; what we don't read is dropped. */
@IgnoresUnknownFields()
export class CreateFeedDto implements CreateFeedRequest {
  @RequiredString(10_000, '"name" is required.')
  name!: string;

  @RequiredString(10_000, '"feedType" is required (use "asset").')
  feedType!: string;

  @OptionalString()
  description?: string;

  @OptionalBoolean()
  active?: boolean;

  @RetentionRules()
  retentionRules?: RetentionRule[];

  @OptionalBoolean()
  retentionRulesEnabled?: boolean;

  @OptionalBoolean()
  retentionDryRun?: boolean;

  @OptionalBoolean()
  inlineContent?: boolean;

  @WritePolicyField()
  writePolicy?: WritePolicy;

  @QuotaField()
  quotaBytes?: number | null;

  @FileHistory()
  fileHistory?: FileHistorySettings;

  /** [ext] The directory's upstream; null removes it (Administer). */
  @Connector()
  connector?: ConnectorInput | null;
}

/** `POST /api/management/feeds/update/{name}`: a partial update; fields left out keep their value. */
@IgnoresUnknownFields()
export class UpdateFeedDto implements UpdateFeedRequest {
  @OptionalString()
  name?: string;

  @OptionalString()
  feedType?: string;

  @OptionalString()
  description?: string;

  @OptionalBoolean()
  active?: boolean;

  @RetentionRules()
  retentionRules?: RetentionRule[];

  @OptionalBoolean()
  retentionRulesEnabled?: boolean;

  @OptionalBoolean()
  retentionDryRun?: boolean;

  @OptionalBoolean()
  inlineContent?: boolean;

  @WritePolicyField()
  writePolicy?: WritePolicy;

  @QuotaField()
  quotaBytes?: number | null;

  @FileHistory()
  fileHistory?: FileHistorySettings;

  /** [ext] The directory's upstream; null removes it (Administer). */
  @Connector()
  connector?: ConnectorInput | null;
}
