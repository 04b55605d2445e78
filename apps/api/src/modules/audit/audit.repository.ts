import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { AuditEventEntity } from './audit-event.entity';

export interface AuditFilter {
  from?: Date;
  to?: Date;
  userLower?: string;
  feedLower?: string;
  actions?: string[];
  /** Only events older than this id (paging backwards in time). */
  before?: string;
  limit: number;
}

@Injectable()
export class AuditRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(event: Omit<AuditEventEntity, 'id' | 'at'>): Promise<void> {
    await this.dataSource.getRepository(AuditEventEntity).insert(event as QueryDeepPartialEntity<AuditEventEntity>);
  }

  /** Several events in one statement (a batch of share-link uses). */
  async insertMany(events: Omit<AuditEventEntity, 'id' | 'at'>[]): Promise<void> {
    if (events.length === 0) return;
    await this.dataSource.getRepository(AuditEventEntity).insert(events as QueryDeepPartialEntity<AuditEventEntity>[]);
  }

  /** Newest first. */
  find(filter: AuditFilter): Promise<AuditEventEntity[]> {
    const q = this.dataSource.getRepository(AuditEventEntity).createQueryBuilder('e');
    if (filter.from) q.andWhere('e.at >= :from', { from: filter.from });
    if (filter.to) q.andWhere('e.at < :to', { to: filter.to });
    if (filter.userLower !== undefined) q.andWhere('e.user_name_lower = :user', { user: filter.userLower });
    if (filter.feedLower !== undefined) q.andWhere('e.feed_lower = :feed', { feed: filter.feedLower });
    if (filter.actions?.length) q.andWhere('e.action IN (:...actions)', { actions: filter.actions });
    if (filter.before) q.andWhere('e.id < :before', { before: filter.before });
    return q.orderBy('e.id', 'DESC').limit(filter.limit).getMany();
  }
}
