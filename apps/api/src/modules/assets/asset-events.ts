import { Inject, Injectable } from '@nestjs/common';
import type { WebhookEventType } from '@stockroom/contracts';
import type { Principal } from '../../common/auth/principal';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import type { Tx } from '../../database/unit-of-work';
import { ChangeEventInput, ChangeEventsService } from '../events/change-events.service';
import type { FeedEntity } from '../feeds/feed.entity';
import { toAssetItem } from './asset-item.mapper';
import type { AssetItemRow } from './asset-item.row';
import { AssetsRepository } from './assets.repository';

/** Who an event names: a user's name, an API key's label (its display name, else `API key #id`), or `system`. */
export function eventActor(actor: Principal | 'system'): string {
  return actor === 'system' ? 'system' : actor.name;
}

/**
 * The asset tree's changes as events (issue 20), published in the change's own transaction (the
 * outbox), each with the item as the listing JSON shows it. `content` URLs are absolute with
 * STOCKROOM_BASE_URL, else relative to the server (there is no request to take a host from).
 */
@Injectable()
export class AssetEvents {
  constructor(
    private readonly events: ChangeEventsService,
    private readonly items: AssetsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** One event per row given (rows as they are now, or as they were for a delete). */
  async rows(
    tx: Tx,
    actor: Principal | 'system',
    feed: FeedEntity,
    type: WebhookEventType | ((row: AssetItemRow) => WebhookEventType),
    rows: AssetItemRow[],
    details?: Record<string, unknown>,
  ): Promise<void> {
    if (rows.length === 0) return;
    const base = this.contentBase(feed);
    await this.events.publish(
      tx,
      rows.map(
        (row): ChangeEventInput => ({
          type: typeof type === 'function' ? type(row) : type,
          feed: { id: feed.id, name: feed.name },
          path: row.path,
          actor: eventActor(actor),
          item: toAssetItem(row, base),
          details,
        }),
      ),
    );
  }

  /** Events for the items at these paths (lower-case), read in `tx` after the change. */
  async at(
    tx: Tx,
    actor: Principal | 'system',
    feed: FeedEntity,
    type: WebhookEventType | ((row: AssetItemRow) => WebhookEventType),
    lowers: string[],
    details?: Record<string, unknown>,
  ): Promise<void> {
    if (lowers.length === 0) return;
    const rows = await this.items.findMany(feed.id, lowers, tx);
    rows.sort((a, b) => (a.path_lower < b.path_lower ? -1 : a.path_lower > b.path_lower ? 1 : 0));
    await this.rows(tx, actor, feed, type, rows, details);
  }

  /** Events for the items with these ids, read in `tx` after the change. */
  async byIds(
    tx: Tx,
    actor: Principal | 'system',
    feed: FeedEntity,
    type: WebhookEventType,
    ids: string[],
    details?: Record<string, unknown>,
  ): Promise<void> {
    if (ids.length === 0) return;
    const rows = await this.items.findByIds(tx, feed.id, ids);
    rows.sort((a, b) => (a.path_lower < b.path_lower ? -1 : a.path_lower > b.path_lower ? 1 : 0));
    await this.rows(tx, actor, feed, type, rows, details);
  }

  /**
   * A move, announced where the item is now (`details.from`) and, when it left another directory,
   * there too (its old path, `details.to`): a webhook of either directory learns of it. The item is
   * as it is now, in its new place.
   */
  async moved(
    tx: Tx,
    actor: Principal | 'system',
    from: { feed: FeedEntity; path: string },
    to: { feed: FeedEntity; lower: string },
  ): Promise<void> {
    const rows = await this.items.findMany(to.feed.id, [to.lower], tx);
    await this.rows(tx, actor, to.feed, 'file.moved', rows, {
      from: { directory: from.feed.name, path: from.path },
    });
    if (from.feed.id === to.feed.id) return;
    const base = this.contentBase(to.feed);
    await this.events.publish(
      tx,
      rows.map(
        (row): ChangeEventInput => ({
          type: 'file.moved',
          feed: { id: from.feed.id, name: from.feed.name },
          path: from.path,
          actor: eventActor(actor),
          item: toAssetItem(row, base),
          details: { to: { directory: to.feed.name, path: row.path } },
        }),
      ),
    );
  }

  private contentBase(feed: FeedEntity): string {
    return `${this.config.baseUrl ?? ''}/endpoints/${encodeURIComponent(feed.name)}/content`;
  }
}
