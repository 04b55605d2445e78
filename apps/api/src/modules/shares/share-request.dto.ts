import { ApiProperty } from '@nestjs/swagger';
import { PASSWORD_MAX, type ShareRequest } from '@stockroom/contracts';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { OptionalString, RequiredString } from '../../common/http/body-fields';

/** The longest `expiresInMinutes` the field accepts; STOCKROOM_SHARE_MAX_DAYS is checked by the service. */
const MAX_MINUTES = 3650 * 24 * 60;

/** `POST /api/shares` (issue 18): the path as the console shows it (not URL-encoded). */
export class ShareRequestDto implements ShareRequest {
  @RequiredString(100)
  feed!: string;

  @RequiredString(4096)
  path!: string;

  @OptionalString(64)
  expiresAt?: string;

  @ApiProperty({ type: 'integer', required: false, nullable: true, minimum: 1 })
  @IsOptional()
  @IsInt({ message: '"$property" must be a whole number of minutes.' })
  @Min(1, { message: '"$property" must be at least 1.' })
  @Max(MAX_MINUTES, { message: '"$property" must be at most $constraint1.' })
  expiresInMinutes?: number;

  @ApiProperty({ type: 'integer', required: false, nullable: true, minimum: 1 })
  @IsOptional()
  @IsInt({ message: '"$property" must be a whole number.' })
  @Min(1, { message: '"$property" must be at least 1.' })
  @Max(2_147_483_647, { message: '"$property" must be at most $constraint1.' })
  maxDownloads?: number;

  @ApiProperty({ type: String, required: false, nullable: true, minLength: 1, maxLength: PASSWORD_MAX })
  @IsOptional()
  @IsString({ message: '"$property" must be a string.' })
  @MinLength(1, { message: '"$property" must not be empty.' })
  @MaxLength(PASSWORD_MAX, { message: '"$property" is longer than $constraint1 characters.' })
  password?: string;
}
