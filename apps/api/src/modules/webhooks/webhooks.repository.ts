import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CoherentCache } from '../../database/coherent-cache.service';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { Tx } from '../../database/unit-of-work';
import { WebhookEntity } from './webhook.entity';

/** The only SQL on `webhooks`. */
@Injectable()
export class WebhooksRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cache: CoherentCache,
  ) {}

  async insert(row: WebhookEntity): Promise<void> {
    await this.dataSource.getRepository(WebhookEntity).insert(row as QueryDeepPartialEntity<WebhookEntity>);
  }

  async update(id: string, changes: Partial<WebhookEntity>): Promise<void> {
    await this.dataSource.getRepository(WebhookEntity).update(id, changes as QueryDeepPartialEntity<WebhookEntity>);
  }

  async delete(id: string): Promise<void> {
    await this.dataSource.getRepository(WebhookEntity).delete(id);
  }

  findById(id: string): Promise<WebhookEntity | null> {
    return this.dataSource.getRepository(WebhookEntity).findOneBy({ id });
  }

  /** Every webhook (of one directory when `feedId` is given), oldest first. */
  list(feedId?: number): Promise<WebhookEntity[]> {
    return this.dataSource.getRepository(WebhookEntity).find({
      where: feedId === undefined ? {} : { feedId },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  /**
   * What the active webhooks listen to, cached on this node until a webhook changes on any node (the
   * change notifications of migration WebhookChangeNotifications).
   */
  subscriptions(): Promise<Pick<WebhookEntity, 'events' | 'feedId'>[]> {
    return this.cache.get('webhook', 'active', () =>
      this.dataSource
        .getRepository(WebhookEntity)
        .find({ select: { events: true, feedId: true }, where: { active: true } }),
    );
  }

  /** The active webhooks, read in the dispatcher's transaction. */
  active(tx: Tx): Promise<WebhookEntity[]> {
    return tx.getRepository(WebhookEntity).findBy({ active: true });
  }
}
