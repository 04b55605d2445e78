import { ApiProperty } from '@nestjs/swagger';
import {
  Allow,
  IsArray,
  IsBoolean,
  IsDefined,
  IsOptional,
  IsString,
  MaxLength,
  type ValidationOptions,
} from 'class-validator';

/**
 * Property decorators for request DTOs, worded as the API has always answered: each wrong field
 * is a 400 naming it (`"email" must be a string.`). `$property` and `$constraint1` are filled in by
 * class-validator; `BodyValidationPipe` reports the first failing field. An optional field may also
 * be sent as null, which means "not given": services read optional fields with `??`. Each also
 * describes the field for the OpenAPI document (`/api/openapi.json`), from the same rule.
 */
type FieldDecorator = (target: object, propertyKey: string) => void;

function all(...decorators: FieldDecorator[]): FieldDecorator {
  return (target, key) => decorators.forEach((d) => d(target, key));
}

const msg = (message: string): ValidationOptions => ({ message });

/** A string, or absent / null (= not given). */
export function OptionalString(maxLength = 10_000): FieldDecorator {
  return all(
    ApiProperty({ type: String, required: false, nullable: true, maxLength }),
    IsOptional(),
    IsString(msg('"$property" must be a string.')),
    MaxLength(maxLength, msg('"$property" is longer than $constraint1 characters.')),
  );
}

/** A string that must be given (absent and null answer `"x" is required.`). */
export function RequiredString(maxLength = 10_000, required = '"$property" is required.'): FieldDecorator {
  return all(
    ApiProperty({ type: String, required: true, maxLength }),
    IsDefined(msg(required)),
    IsString(msg('"$property" must be a string.')),
    MaxLength(maxLength, msg('"$property" is longer than $constraint1 characters.')),
  );
}

export function OptionalBoolean(): FieldDecorator {
  return all(
    ApiProperty({ type: Boolean, required: false, nullable: true }),
    IsOptional(),
    IsBoolean(msg('"$property" must be true or false.')),
  );
}

export function OptionalStrings(): FieldDecorator {
  const message = '"$property" must be an array of strings.';
  return all(
    ApiProperty({ type: [String], required: false, nullable: true }),
    IsOptional(),
    IsArray(msg(message)),
    IsString({ each: true, message }),
  );
}

/** Accepted as sent, checked by the service (a field whose only rule needs the rest of the request). */
export function AnyValue(): FieldDecorator {
  return all(ApiProperty({ required: false, description: 'Checked by the server.' }), Allow());
}
