import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { OptionalBoolean, OptionalString } from '../../common/http/body-fields';
import { IgnoresUnknownFields } from '../../common/http/body-validation.pipe';

const PREVIEW_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NO_PREVIEW = { message: '"previewId" is required: the id a preview of this directory answered with.' };
const HISTORY_DAYS = { message: '"historyDays" must be a whole number of days from 1 to 3650.' };

/** `POST /api/retention/{directory}/apply`. */
@IgnoresUnknownFields()
export class ApplyRetentionDto {
  @ApiProperty({ type: String, format: 'uuid', description: 'The id a preview of this directory answered with.' })
  @IsDefined(NO_PREVIEW)
  @IsString(NO_PREVIEW)
  @Matches(PREVIEW_ID, NO_PREVIEW)
  previewId!: string;
}

/** `POST /api/retention/settings`: partial, fields left out (or null) keep their value. */
export class RetentionSettingsDto {
  @OptionalString(200)
  schedule?: string;

  @OptionalString(100)
  timezone?: string;

  @OptionalBoolean()
  dryRun?: boolean;

  @ApiProperty({ type: 'integer', required: false, nullable: true, minimum: 1, maximum: 3650 })
  @IsOptional()
  @IsInt(HISTORY_DAYS)
  @Min(1, HISTORY_DAYS)
  @Max(3650, HISTORY_DAYS)
  historyDays?: number;
}
