import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsString, ValidateIf } from 'class-validator';
import { IgnoresUnknownFields } from '../../common/http/body-validation.pipe';
import { STORAGE_ID_REQUIRED } from './storage-settings';

const nullish = (v: unknown) => v === undefined || v === null;

/**
 * `POST /api/storage?feed=` and `POST /api/storage/test?feed=` (spec §7): a storage type and its
 * properties in ProGet's names. Other fields (the `move` of a GET sent back) are ignored. The
 * per-type rules (known names, value types, required ones) are `parseStorageSettings`'s.
 */
@IgnoresUnknownFields()
export class StorageSettingsDto {
  /** `disk`, `s3` or `azure`, any case. */
  @ApiProperty({ type: String, required: false, nullable: true, description: '`disk`, `s3` or `azure`, any case.' })
  @ValidateIf((o: StorageSettingsDto) => !nullish(o.id))
  @IsString({ message: STORAGE_ID_REQUIRED })
  id?: string | null;

  /** Read when `id` is absent or null. */
  @ApiProperty({ type: String, required: false, nullable: true, description: 'Read when `id` is absent or null.' })
  @ValidateIf((o: StorageSettingsDto) => nullish(o.id) && o.type !== undefined)
  @IsString({ message: STORAGE_ID_REQUIRED })
  type?: string | null;

  /** Property name (any case) → value; null or "" leaves a property unset. */
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Property name (any case) → value (ProGet\'s names); null or "" leaves a property unset.',
  })
  @ValidateIf((o: StorageSettingsDto) => o.properties !== undefined)
  @IsObject({ message: 'Expected a JSON object.' })
  properties?: Record<string, unknown>;
}
