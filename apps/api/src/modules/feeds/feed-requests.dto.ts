import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { Allow } from 'class-validator';
import type { CreateFeedRequest, UpdateFeedRequest } from '@stockroom/contracts';
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
}
