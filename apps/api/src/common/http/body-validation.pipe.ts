import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validate, type ValidationError } from 'class-validator';
import { badRequest } from '../errors/app-error';

const ignoresUnknown = new WeakSet<object>();

/**
 * On a request DTO whose clients send more than we read (pgutil's ApiKeyInfo, ProGet feed JSON):
 * unknown fields are dropped instead of refused.
 */
export function IgnoresUnknownFields(): ClassDecorator {
  return (target) => {
    ignoresUnknown.add(target);
  };
}

/** The fields a DTO declares, in declaration order. */
export function fieldsOf(dto: new () => object): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))];
}

/** When a field fails several checks, the one to tell the caller about. */
const PRIORITY = ['isDefined', 'isString', 'isBoolean', 'isArray', 'isInt'];

function firstMessage(error: ValidationError): string {
  const constraints = error.constraints ?? {};
  const key = PRIORITY.find((k) => constraints[k] !== undefined) ?? Object.keys(constraints)[0];
  return constraints[key];
}

/**
 * Every `@Body()` typed as a request DTO (a class with class-validator decorators) is checked here,
 * at the edge: a JSON object, only the declared fields (a typo is refused, not ignored; DTOs marked
 * `@IgnoresUnknownFields()` drop them instead), each of the right type. The first problem is a 400
 * in the API's own words; services receive the DTO instance.
 */
@Injectable()
export class BodyValidationPipe implements PipeTransform {
  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const dto = metadata.metatype as (new () => object) | undefined;
    if (metadata.type !== 'body' || !dto) return value;
    const fields = fieldsOf(dto);
    if (fields.length === 0) return value;
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw badRequest('Expected a JSON object.');
    if (!ignoresUnknown.has(dto)) {
      // On the parsed JSON, not the instance: `__proto__` and `constructor` are fields like any other here.
      const unknown = Object.keys(value).find((k) => !fields.includes(k));
      if (unknown !== undefined) throw badRequest(`Unknown field "${unknown}": expected ${fields.join(', ')}.`);
    }
    // Field transforms (retention rules) may throw their own 400 here.
    const instance = plainToInstance(dto, value);
    const errors = await validate(instance, { whitelist: true, forbidUnknownValues: true });
    if (errors.length > 0) throw badRequest(firstMessage(errors[0]));
    return instance;
  }
}
