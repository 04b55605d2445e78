import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { Allow, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { WRITE_POLICIES, type CreateFeedRequest, type UpdateFeedRequest, type WritePolicy } from '@stockroom/contracts';
import { OptionalBoolean, OptionalString, RequiredString } from '../../common/http/body-fields';
import { IgnoresUnknownFields } from '../../common/http/body-validation.pipe';
import { parseRetentionRules, type RetentionRule } from '../retention/rules/retention-rule';
import { schemaRef } from '../../openapi/response-schemas';

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
}
