/** [ext] Webhooks: `/api/webhooks`. Deliveries are signed and retried from a transactional outbox. */

export const WEBHOOK_EVENT_TYPES = [
  'file.created',
  'file.updated',
  'file.deleted',
  'file.moved',
  'file.restored',
  'folder.created',
  'folder.deleted',
  'retention.applied',
  'replication.completed',
  'replication.failed',
  'connector.fetch_failed',
  'webhook.test',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** A webhook: per directory (`feed` set; Manage on it) or global (Administer). */
export interface Webhook {
  id: string;
  url: string;
  events: WebhookEventType[];
  /** The directory whose events it receives; null = every directory (and global events). */
  feed: string | null;
  /** Always `********`: the secret is write-only. */
  secret: string;
  active: boolean;
  createdBy: string;
  createdAt: string;
  /** The latest delivery's outcome, if any. */
  lastDelivery?: { at: string; status: WebhookDeliveryState; responseStatus: number | null } | null;
}

export interface CreateWebhookRequest {
  url: string;
  events: WebhookEventType[];
  feed?: string | null;
  /** The HMAC-SHA256 key; at least 16 characters. */
  secret: string;
  active?: boolean;
}

export type UpdateWebhookRequest = Partial<CreateWebhookRequest>;

/** The JSON body of every delivery. */
export interface WebhookEventBody {
  /** The event id (also `X-Stockroom-Delivery`): the same for every retry and every webhook. */
  id: string;
  type: WebhookEventType;
  occurredAt: string;
  directory: string | null;
  path: string | null;
  /** Who caused it: a user name, an API key's description, or `system`. */
  actor: string;
  /** The file or folder as the listing JSON shows it (AssetItem), when there is one. */
  item: unknown | null;
  /** Event-specific facts: `from` of a move, a run's id and counts… */
  details?: Record<string, unknown>;
}

export type WebhookDeliveryState = 'pending' | 'delivered' | 'failed';

/** One event sent (or to be sent) to one webhook, with every attempt. */
export interface WebhookDelivery {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: WebhookEventType;
  state: WebhookDeliveryState;
  attempts: number;
  createdAt: string;
  nextAttemptAt: string | null;
  /** `GET /api/webhooks/{id}/deliveries/{deliveryId}` only: the body sent and each attempt. */
  body?: WebhookEventBody;
  attemptLog?: { at: string; status: number | null; latencyMs: number; error: string | null }[];
}

/** `POST /api/webhooks/{id}/test` (202): the `webhook.test` event made; its delivery appears in the log. */
export interface WebhookTestResult {
  eventId: string;
}
