import { ApiProperty } from '@nestjs/swagger';
import {
  WEBHOOK_EVENT_TYPES,
  type CreateWebhookRequest,
  type UpdateWebhookRequest,
  type WebhookEventType,
} from '@stockroom/contracts';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsDefined,
  IsIn,
  IsOptional,
  IsString,
  MaxLength,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { MASKED_SECRET } from './webhook.mapper';
import { OptionalBoolean, OptionalString, RequiredString } from '../../common/http/body-fields';

export const WEBHOOK_SECRET_MIN = 16;
const SECRET_MAX = 500;
const URL_MAX = 2000;

function Events(required: boolean) {
  const decorators = [
    ApiProperty({ type: [String], enum: WEBHOOK_EVENT_TYPES, required, minItems: 1 }),
    required ? IsDefined({ message: '"$property" is required.' }) : IsOptional(),
    IsArray({ message: '"$property" must be an array of event types.' }),
    ArrayNotEmpty({ message: '"$property" must name at least one event type.' }),
    ArrayMaxSize(WEBHOOK_EVENT_TYPES.length * 2, { message: '"$property" names too many event types.' }),
    IsIn(WEBHOOK_EVENT_TYPES, {
      each: true,
      message: `"$property" may only contain: ${WEBHOOK_EVENT_TYPES.join(', ')}.`,
    }),
  ];
  return (target: object, key: string) => decorators.forEach((d) => d(target, key));
}

function Secret(required: boolean) {
  const decorators = [
    ApiProperty({ type: String, required, minLength: WEBHOOK_SECRET_MIN, maxLength: SECRET_MAX, writeOnly: true }),
    required ? IsDefined({ message: '"$property" is required.' }) : IsOptional(),
    // Sent back masked as read (`********`): keeps the saved secret.
    ValidateIf((o: { secret?: unknown }) => required || o.secret !== MASKED_SECRET),
    IsString({ message: '"$property" must be a string.' }),
    MinLength(WEBHOOK_SECRET_MIN, { message: '"$property" must be at least $constraint1 characters long.' }),
    MaxLength(SECRET_MAX, { message: '"$property" is longer than $constraint1 characters.' }),
  ];
  return (target: object, key: string) => decorators.forEach((d) => d(target, key));
}

/** `POST /api/webhooks` (issue 20). The URL's form and address are checked by the service. */
export class CreateWebhookDto implements CreateWebhookRequest {
  @RequiredString(URL_MAX)
  url!: string;

  @Events(true)
  events!: WebhookEventType[];

  @OptionalString(100)
  feed?: string | null;

  @Secret(true)
  secret!: string;

  @OptionalBoolean()
  active?: boolean;
}

/** `PATCH /api/webhooks/{id}`: what is given changes; a secret of `********` keeps the saved one. */
export class UpdateWebhookDto implements UpdateWebhookRequest {
  @OptionalString(URL_MAX)
  url?: string;

  @Events(false)
  events?: WebhookEventType[];

  /** A webhook stays with its directory: only the one it has may be named. */
  @OptionalString(100)
  feed?: string | null;

  @Secret(false)
  secret?: string;

  @OptionalBoolean()
  active?: boolean;
}
