import type { Webhook, WebhookDelivery, WebhookEventBody } from '@stockroom/contracts';
import type { ChangeEventEntity } from '../events/change-event.entity';
import type { WebhookAttemptEntity } from './webhook-attempt.entity';
import type { WebhookDeliveryEntity } from './webhook-delivery.entity';
import type { WebhookEntity } from './webhook.entity';

export const MASKED_SECRET = '********';

export function toWebhook(row: WebhookEntity, feed: string | null, latest?: WebhookDeliveryEntity): Webhook {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    feed,
    secret: MASKED_SECRET,
    active: row.active,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    lastDelivery:
      latest?.lastAttemptAt != null
        ? { at: latest.lastAttemptAt.toISOString(), status: latest.state, responseStatus: latest.lastStatus }
        : null,
  };
}

export function toDelivery(row: WebhookDeliveryEntity, attempts?: WebhookAttemptEntity[]): WebhookDelivery {
  const delivery: WebhookDelivery = {
    id: row.id,
    webhookId: row.webhookId,
    eventId: row.eventId,
    eventType: row.eventType,
    state: row.state,
    attempts: row.attempts,
    createdAt: row.createdAt.toISOString(),
    nextAttemptAt: row.state === 'pending' && row.nextAttemptAt ? row.nextAttemptAt.toISOString() : null,
  };
  if (attempts) {
    delivery.body = JSON.parse(row.body) as WebhookEventBody;
    delivery.attemptLog = attempts.map((a) => ({
      at: a.at.toISOString(),
      status: a.status,
      latencyMs: a.latencyMs,
      error: a.error,
    }));
  }
  return delivery;
}

/** The JSON every webhook receives for an event (the same bytes for every retry). */
export function eventBody(e: ChangeEventEntity): string {
  const body: WebhookEventBody = {
    id: e.id,
    type: e.type,
    occurredAt: e.occurredAt.toISOString(),
    directory: e.directory,
    path: e.path,
    actor: e.actor,
    item: e.item,
    ...(Object.keys(e.details ?? {}).length > 0 ? { details: e.details } : {}),
  };
  return JSON.stringify(body);
}
