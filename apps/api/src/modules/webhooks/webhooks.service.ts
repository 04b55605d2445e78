import { Injectable } from '@nestjs/common';
import {
  AuditAction,
  ErrorCode,
  Privilege,
  type CreateWebhookRequest,
  type UpdateWebhookRequest,
  type Webhook,
  type WebhookDelivery,
  type WebhookTestResult,
} from '@stockroom/contracts';
import { randomUUID } from 'node:crypto';
import type { Principal } from '../../common/auth/principal';
import { Clock } from '../../common/clock';
import { AppError, badRequest } from '../../common/errors/app-error';
import { OutboundHttp } from '../../common/net/outbound-http';
import { isOutboundDenied } from '../../common/net/outbound-policy';
import { AuditService } from '../audit/audit.service';
import { ChangeEventsService } from '../events/change-events.service';
import type { FeedEntity } from '../feeds/feed.entity';
import { FeedsService } from '../feeds/feeds.service';
import { AccessService, unauthorized } from '../security/access.service';
import { StorageSecrets } from '../storage/storage-secrets';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookDelivererService } from './webhook-deliverer.service';
import { WebhookDispatcherService } from './webhook-dispatcher.service';
import { WebhookEntity } from './webhook.entity';
import { MASKED_SECRET, toDelivery, toWebhook } from './webhook.mapper';
import { WebhooksRepository } from './webhooks.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DELIVERY_ID = /^[0-9]{1,18}$/;

const webhookNotFound = (id: string) => new AppError(ErrorCode.NotFound, `Webhook ${id.slice(0, 40)} was not found.`);
const deliveryNotFound = (id: string) =>
  new AppError(ErrorCode.NotFound, `Delivery ${id.slice(0, 20)} of this webhook was not found.`);

/** An http(s) URL without credentials in it (they would be sent to, and logged by, who knows where). */
function parseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw badRequest('"url" must be an absolute http or https URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw badRequest('"url" must be an http or https URL.');
  if (url.username || url.password)
    throw badRequest('"url" must not contain credentials: receivers check the signature instead.');
  url.hash = '';
  return url.href;
}

/**
 * [ext] Webhooks (issue 20): per directory (Manage Feed there) or global (Administer). A URL whose
 * address is internal needs Administer too, and STOCKROOM_OUTBOUND_ALLOW applies to everyone. Ids
 * are secret to those who may not manage the webhook: they answer as missing ones.
 */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly repository: WebhooksRepository,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly feeds: FeedsService,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly events: ChangeEventsService,
    private readonly http: OutboundHttp,
    private readonly secrets: StorageSecrets,
    private readonly clock: Clock,
    private readonly dispatcher: WebhookDispatcherService,
    private readonly deliverer: WebhookDelivererService,
  ) {}

  async create(actor: Principal, input: CreateWebhookRequest): Promise<Webhook> {
    const feed = input.feed ? await this.feeds.require(actor, input.feed) : null;
    await this.access.require(actor, feed ? Privilege.ManageFeed : Privilege.Administer, feed ?? undefined);
    const url = parseUrl(input.url);
    const allowInternal = await this.checkAddress(actor, url);
    const row = new WebhookEntity();
    row.id = randomUUID();
    row.url = url;
    row.events = [...new Set(input.events)];
    row.feedId = feed?.id ?? null;
    row.secret = this.secrets.encrypt(input.secret);
    row.active = input.active ?? true;
    row.allowInternal = allowInternal;
    row.createdBy = actor.name.slice(0, 200);
    row.createdAt = this.clock.now();
    await this.repository.insert(row);
    await this.audit.record(actor, AuditAction.WebhookCreated, {
      feed: feed?.name ?? null,
      target: url,
      details: { id: row.id, events: row.events },
    });
    return toWebhook(row, feed?.name ?? null);
  }

  /** `feed` given: that directory's webhooks (Manage Feed). Else all those the caller may manage. */
  async list(actor: Principal, feedName?: string): Promise<Webhook[]> {
    if (feedName) {
      const feed = await this.feeds.requireFor(actor, Privilege.ManageFeed, feedName);
      return this.withLatest(await this.repository.list(feed.id), new Map([[feed.id, feed.name]]));
    }
    if (actor.kind === 'anonymous') throw unauthorized('Sign in to see webhooks.');
    const all = await this.repository.list();
    const admin = await this.access.has(actor, Privilege.Administer);
    const wanted = new Set(all.map((h) => h.feedId));
    const feeds = new Map((await this.feeds.all()).filter((f) => wanted.has(f.id)).map((f) => [f.id, f]));
    const held = admin ? undefined : await this.access.privilegesOnEach(actor, [...feeds.values()]);
    const visible = all.filter((h) =>
      h.feedId === null ? admin : feeds.has(h.feedId) && (admin || held?.get(h.feedId)?.has(Privilege.ManageFeed)),
    );
    return this.withLatest(visible, new Map([...feeds].map(([id, f]) => [id, f.name])));
  }

  async get(actor: Principal, id: string): Promise<Webhook> {
    const { hook, feed } = await this.manageable(actor, id);
    return (await this.withLatest([hook], new Map(feed ? [[feed.id, feed.name]] : [])))[0];
  }

  async update(actor: Principal, id: string, input: UpdateWebhookRequest): Promise<Webhook> {
    const { hook, feed } = await this.manageable(actor, id);
    if (input.feed !== undefined && input.feed !== null && input.feed.toLowerCase() !== feed?.name.toLowerCase())
      throw badRequest('A webhook stays with its directory: delete it and create one for the other directory.');
    const changes: Partial<WebhookEntity> = {};
    if (input.url !== undefined && input.url !== null) {
      const url = parseUrl(input.url);
      if (url !== hook.url) {
        changes.url = url;
        changes.allowInternal = await this.checkAddress(actor, url);
      }
    }
    if (input.events) changes.events = [...new Set(input.events)];
    if (input.secret !== undefined && input.secret !== null && input.secret !== MASKED_SECRET)
      changes.secret = this.secrets.encrypt(input.secret);
    if (input.active !== undefined && input.active !== null) changes.active = input.active;
    if (Object.keys(changes).length > 0) {
      await this.repository.update(hook.id, changes);
      await this.audit.record(actor, AuditAction.WebhookUpdated, {
        feed: feed?.name ?? null,
        target: changes.url ?? hook.url,
        details: { id: hook.id, changed: Object.keys(changes).filter((k) => k !== 'allowInternal') },
      });
      // Reactivated: what is due may go now.
      if (changes.active) this.deliverer.wake();
    }
    return this.get(actor, id);
  }

  async delete(actor: Principal, id: string): Promise<void> {
    const { hook, feed } = await this.manageable(actor, id);
    await this.repository.delete(hook.id);
    await this.audit.record(actor, AuditAction.WebhookDeleted, {
      feed: feed?.name ?? null,
      target: hook.url,
      details: { id: hook.id },
    });
  }

  /** Newest first; `before` a delivery id for the next page. */
  async deliveriesOf(actor: Principal, id: string, limit: number, before?: string): Promise<WebhookDelivery[]> {
    const { hook } = await this.manageable(actor, id);
    if (before !== undefined && !DELIVERY_ID.test(before)) throw badRequest('"before" must be a delivery id.');
    return (await this.deliveries.page(hook.id, limit, before)).map((d) => toDelivery(d));
  }

  /** One delivery with its body and every attempt. */
  async delivery(actor: Principal, id: string, deliveryId: string): Promise<WebhookDelivery> {
    const { hook } = await this.manageable(actor, id);
    const row = DELIVERY_ID.test(deliveryId) ? await this.deliveries.find(hook.id, deliveryId) : null;
    if (!row) throw deliveryNotFound(deliveryId);
    return toDelivery(row, await this.deliveries.attemptsOf(row.id));
  }

  /** Sends a delivery again from now (with a new day of retries), whatever became of it. */
  async redeliver(actor: Principal, id: string, deliveryId: string): Promise<WebhookDelivery> {
    const { hook } = await this.manageable(actor, id);
    const row = DELIVERY_ID.test(deliveryId) ? await this.deliveries.find(hook.id, deliveryId) : null;
    if (!row) throw deliveryNotFound(deliveryId);
    await this.deliveries.redeliver(row.id, this.clock.now());
    this.deliverer.wake();
    return this.delivery(actor, id, deliveryId);
  }

  /** A `webhook.test` event, delivered to this webhook only (through the outbox, like every other). */
  async test(actor: Principal, id: string): Promise<WebhookTestResult> {
    const { hook, feed } = await this.manageable(actor, id);
    const eventId = await this.events.publishNow({
      type: 'webhook.test',
      feed: feed ? { id: feed.id, name: feed.name } : null,
      actor: actor.name,
      details: { webhook: hook.id },
    });
    this.dispatcher.wake();
    return { eventId };
  }

  /**
   * STOCKROOM_OUTBOUND_ALLOW for everyone; an internal address for Administer only. Returns whether
   * the saver may send to internal addresses (then deliveries are not limited to public ones).
   */
  private async checkAddress(actor: Principal, url: string): Promise<boolean> {
    try {
      await this.http.policy.check(url);
    } catch (e) {
      if (isOutboundDenied(e))
        throw new AppError(ErrorCode.Forbidden, `The webhook's address ${(e as Error).message}.`);
      throw e;
    }
    const admin = await this.access.has(actor, Privilege.Administer);
    if (admin) return true;
    try {
      await this.http.policy.publicOnly().check(url);
    } catch (e) {
      if (isOutboundDenied(e))
        throw new AppError(
          ErrorCode.Forbidden,
          `The webhook's address ${new URL(url).hostname} is internal: only an administrator may send webhooks to it.`,
        );
      throw e;
    }
    return false;
  }

  /** The webhook, when the caller may manage it (else "not found", as for an id that does not exist). */
  private async manageable(actor: Principal, id: string): Promise<{ hook: WebhookEntity; feed: FeedEntity | null }> {
    const hook = UUID.test(id) ? await this.repository.findById(id) : null;
    if (!hook) throw this.access.objectNotFound(actor, webhookNotFound(id));
    const feed = hook.feedId === null ? null : await this.feeds.requireById(hook.feedId);
    await this.access.requireOrNotFound(
      actor,
      feed ? Privilege.ManageFeed : Privilege.Administer,
      feed ?? undefined,
      webhookNotFound(id),
    );
    return { hook, feed };
  }

  private async withLatest(hooks: WebhookEntity[], feedNames: Map<number, string>): Promise<Webhook[]> {
    const latest = await this.deliveries.latest(hooks.map((h) => h.id));
    return hooks.map((h) =>
      toWebhook(h, h.feedId === null ? null : (feedNames.get(h.feedId) ?? null), latest.get(h.id)),
    );
  }
}
