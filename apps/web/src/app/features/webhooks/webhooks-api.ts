import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type {
  CreateWebhookRequest,
  UpdateWebhookRequest,
  Webhook,
  WebhookDelivery,
  WebhookEventType,
  WebhookTestResult,
} from '@stockroom/contracts';
import { map, type Observable } from 'rxjs';

const BASE = '/api/webhooks';

/** What each event type means, as the console offers them. */
export const WEBHOOK_EVENT_LABELS: Readonly<Record<WebhookEventType, string>> = {
  'file.created': 'A file was added',
  'file.updated': 'A file was replaced',
  'file.deleted': 'A file was deleted',
  'file.moved': 'A file was moved or renamed',
  'file.restored': 'A file was restored from history',
  'folder.created': 'A folder was created',
  'folder.deleted': 'A folder was deleted',
  'retention.applied': 'Retention deleted files',
  'replication.completed': 'A replication run completed',
  'replication.failed': 'A replication run failed',
  'connector.fetch_failed': 'A connector could not fetch a file',
  'webhook.test': 'Test events (“Send test event”)',
};

/**
 * [ext] Webhooks (issue 20): per directory (`feed`; Manage on it) or global (Administer), with the
 * log of their deliveries, redelivery and a test event.
 */
@Injectable({ providedIn: 'root' })
export class WebhooksApi {
  private readonly http = inject(HttpClient);

  /** A directory's webhooks, or (`null`) every webhook the caller may manage (global ones for administrators). */
  list(feed: string | null): Observable<Webhook[]> {
    return this.http.get<Webhook[]>(BASE, feed === null ? {} : { params: { feed } });
  }

  get(id: string): Observable<Webhook> {
    return this.http.get<Webhook>(`${BASE}/${encodeURIComponent(id)}`);
  }

  create(request: CreateWebhookRequest): Observable<Webhook> {
    return this.http.post<Webhook>(BASE, request);
  }

  update(id: string, request: UpdateWebhookRequest): Observable<Webhook> {
    return this.http.patch<Webhook>(`${BASE}/${encodeURIComponent(id)}`, request);
  }

  delete(id: string): Observable<void> {
    return this.http.delete(`${BASE}/${encodeURIComponent(id)}`).pipe(map(() => undefined));
  }

  /** The webhook's deliveries, newest first (without bodies). */
  deliveries(id: string): Observable<WebhookDelivery[]> {
    return this.http.get<WebhookDelivery[]>(`${BASE}/${encodeURIComponent(id)}/deliveries`);
  }

  /** One delivery with the body sent and each attempt. */
  delivery(id: string, deliveryId: string): Observable<WebhookDelivery> {
    return this.http.get<WebhookDelivery>(
      `${BASE}/${encodeURIComponent(id)}/deliveries/${encodeURIComponent(deliveryId)}`,
    );
  }

  /** Sends the delivery's event again (a new attempt, logged with the others). */
  redeliver(id: string, deliveryId: string): Observable<WebhookDelivery> {
    return this.http.post<WebhookDelivery>(
      `${BASE}/${encodeURIComponent(id)}/deliveries/${encodeURIComponent(deliveryId)}/redeliver`,
      null,
    );
  }

  /** Makes a `webhook.test` event for this webhook only (202); its delivery appears in the log. */
  test(id: string): Observable<WebhookTestResult> {
    return this.http.post<WebhookTestResult>(`${BASE}/${encodeURIComponent(id)}/test`, null);
  }
}
