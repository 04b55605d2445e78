import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { Tx } from '../../database/unit-of-work';
import { WebhookAttemptEntity } from './webhook-attempt.entity';

/** The only SQL on `webhook_attempts`. */
@Injectable()
export class WebhookAttemptsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(tx: Tx, row: Omit<WebhookAttemptEntity, 'id'>): Promise<void> {
    await tx.getRepository(WebhookAttemptEntity).insert(row as QueryDeepPartialEntity<WebhookAttemptEntity>);
  }

  /** A delivery's attempts, oldest first. */
  ofDelivery(deliveryId: string): Promise<WebhookAttemptEntity[]> {
    return this.dataSource.getRepository(WebhookAttemptEntity).find({ where: { deliveryId }, order: { id: 'ASC' } });
  }
}
