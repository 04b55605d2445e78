import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type Tx, WITHOUT_FLUSH_WAIT } from '../../database/unit-of-work';
import { WebhookAttemptEntity } from './webhook-attempt.entity';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';

/** A delivery claimed for sending, with what sending needs of its webhook. */
export interface ClaimedDelivery {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  body: string;
  attempts: number;
  firstAttemptAt: Date | null;
  leaseToken: string;
  url: string;
  secret: string;
  allowInternal: boolean;
}

/** One attempt: what it changes on its delivery, and its log line. */
export interface RecordedAttempt {
  id: string;
  leaseToken: string;
  state: 'pending' | 'delivered' | 'failed';
  firstAttemptAt: Date;
  nextAttemptAt: Date | null;
  status: number | null;
  at: Date;
  latencyMs: number;
  error: string | null;
}

/** A delivery to make: an event for a webhook that listens to it. */
export interface NewDelivery {
  webhookId: string;
  eventId: string;
  eventType: string;
  body: string;
}

/**
 * The only SQL on `webhook_deliveries` and its attempt log `webhook_attempts` (one aggregate: an attempt
 * is written with its delivery's new state, in one statement).
 */
@Injectable()
export class WebhookDeliveriesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Makes deliveries, pending and due at `now`, in one statement (an event already delivered to a
   * webhook is not made twice). The first `lease.count` are made leased to `lease.token` for
   * `lease.ms`: their maker sends them at once, with no claim. Returns those (the others are claimed).
   */
  async insertMany(
    tx: Tx,
    rows: NewDelivery[],
    now: Date,
    lease: { token: string; count: number; ms: number },
  ): Promise<{ id: string; webhookId: string; eventId: string }[]> {
    if (rows.length === 0) return [];
    const column = <T>(pick: (r: NewDelivery) => T) => rows.map(pick);
    const made: { id: string; webhook_id: string; event_id: string; lease_token: string | null }[] = await tx.query(
      `INSERT INTO webhook_deliveries
              (webhook_id, event_id, event_type, body, state, attempts, created_at, next_attempt_at, lease_token, lease_until)
       SELECT t.webhook_id, t.event_id, t.event_type, t.body, 'pending', 0, $5, $5,
              CASE WHEN t.n <= $6 THEN $7::uuid END,
              CASE WHEN t.n <= $6 THEN now() + make_interval(secs => $8 / 1000.0) END
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) WITH ORDINALITY
              AS t(webhook_id, event_id, event_type, body, n)
       ON CONFLICT DO NOTHING
       RETURNING id, webhook_id, event_id, lease_token`,
      [
        column((r) => r.webhookId),
        column((r) => r.eventId),
        column((r) => r.eventType),
        column((r) => r.body),
        now,
        lease.count,
        lease.token,
        lease.ms,
      ],
    );
    return made
      .filter((m) => m.lease_token === lease.token)
      .map((m) => ({ id: String(m.id), webhookId: m.webhook_id, eventId: m.event_id }));
  }

  /**
   * Takes up to `limit` deliveries of active webhooks for this node for `leaseMs`: pending, due by
   * `now` (the application's clock, which scheduled them), and not leased by another node (or its lease
   * ran out: that node crashed or hung). Leases are on the database's clock, like storage moves', so
   * nodes whose clocks differ never take each other's. SKIP LOCKED: nodes claiming at the same moment
   * take different rows. Committed without waiting for the disk: a claim a database crash undoes is
   * taken again.
   */
  async claimDue(now: Date, leaseMs: number, leaseToken: string, limit: number): Promise<ClaimedDelivery[]> {
    if (limit <= 0) return [];
    const [rows]: [Record<string, unknown>[], number] = await this.dataSource.query(
      `WITH due AS MATERIALIZED (
         SELECT d2.id FROM webhook_deliveries d2 JOIN webhooks w2 ON w2.id = d2.webhook_id AND w2.active
          WHERE d2.state = 'pending' AND d2.next_attempt_at <= $1
            AND (d2.lease_until IS NULL OR d2.lease_until <= now())
          ORDER BY d2.next_attempt_at, d2.id
          LIMIT $4
          FOR UPDATE OF d2 SKIP LOCKED)
       UPDATE webhook_deliveries d SET lease_token = $3, lease_until = now() + make_interval(secs => $2 / 1000.0)
         FROM due, webhooks w, ${WITHOUT_FLUSH_WAIT}
        WHERE d.id = due.id AND w.id = d.webhook_id
        RETURNING d.id, d.webhook_id, d.event_id, d.event_type, d.body, d.attempts, d.first_attempt_at,
                  d.lease_token, w.url, w.secret, w.allow_internal`,
      [now, leaseMs, leaseToken, limit],
    );
    return rows.map((r) => ({
      id: String(r['id']),
      webhookId: r['webhook_id'] as string,
      eventId: r['event_id'] as string,
      eventType: r['event_type'] as string,
      body: r['body'] as string,
      attempts: Number(r['attempts']),
      firstAttemptAt: r['first_attempt_at'] ? new Date(r['first_attempt_at'] as string) : null,
      leaseToken: r['lease_token'] as string,
      url: r['url'] as string,
      secret: r['secret'] as string,
      allowInternal: r['allow_internal'] as boolean,
    }));
  }

  /**
   * Records attempts' outcomes and logs them, in one statement (atomic on its own): each only while
   * this node still holds the lease (a node whose lease ran out and was retaken leaves the row, and its
   * log, to the node that took it). Committed without waiting for the disk: an outcome a database
   * crash undoes is sent again (at-least-once).
   */
  async recordAttempts(outcomes: RecordedAttempt[]): Promise<void> {
    if (outcomes.length === 0) return;
    const column = <T>(pick: (o: RecordedAttempt) => T) => outcomes.map(pick);
    await this.dataSource.query(
      `WITH t AS (
         SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::int[],
                              $7::timestamptz[], $8::int[], $9::text[])
           AS t(id, lease, state, first_at, next_at, status, at, latency, error)),
       updated AS (
         UPDATE webhook_deliveries d SET state = t.state, attempts = d.attempts + 1, first_attempt_at = t.first_at,
                next_attempt_at = t.next_at, last_status = t.status, last_attempt_at = t.at,
                lease_token = NULL, lease_until = NULL
           FROM t WHERE d.id = t.id AND d.lease_token = t.lease
         RETURNING d.id)
       INSERT INTO webhook_attempts (delivery_id, at, status, latency_ms, error)
       SELECT t.id, t.at, t.status, t.latency, t.error FROM t, ${WITHOUT_FLUSH_WAIT} WHERE t.id IN (SELECT id FROM updated)`,
      [
        column((o) => o.id),
        column((o) => o.leaseToken),
        column((o) => o.state),
        column((o) => o.firstAttemptAt),
        column((o) => o.nextAttemptAt),
        column((o) => o.status),
        column((o) => o.at),
        column((o) => o.latencyMs),
        column((o) => o.error),
      ],
    );
  }

  /** Gives back claims this node will not send (shutting down): due again at once for any node. */
  async release(ids: string[], leaseToken: string): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(
      `UPDATE webhook_deliveries SET lease_token = NULL, lease_until = NULL WHERE id = ANY($1) AND lease_token = $2`,
      [ids, leaseToken],
    );
  }

  /** Forgets deliveries that ended (delivered or failed) before `before`, with their attempts. */
  async deleteEndedBefore(before: Date): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM webhook_deliveries WHERE state <> 'pending' AND COALESCE(last_attempt_at, created_at) < $1`,
      [before],
    );
  }

  /** Sends it again from now, with a new day of retries. */
  async redeliver(id: string, now: Date): Promise<void> {
    await this.dataSource.query(
      `UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = $2, first_attempt_at = NULL,
              lease_token = NULL, lease_until = NULL
        WHERE id = $1`,
      [id, now],
    );
  }

  find(webhookId: string, id: string): Promise<WebhookDeliveryEntity | null> {
    return this.dataSource.getRepository(WebhookDeliveryEntity).findOneBy({ webhookId, id });
  }

  /** A webhook's deliveries, newest first, `before` a delivery id (paging). */
  page(webhookId: string, limit: number, before?: string): Promise<WebhookDeliveryEntity[]> {
    const q = this.dataSource
      .getRepository(WebhookDeliveryEntity)
      .createQueryBuilder('d')
      .where('d.webhook_id = :webhookId', { webhookId })
      .orderBy('d.id', 'DESC')
      .limit(limit);
    if (before !== undefined) q.andWhere('d.id < :before', { before });
    return q.getMany();
  }

  /** A delivery's attempts, oldest first. */
  attemptsOf(deliveryId: string): Promise<WebhookAttemptEntity[]> {
    return this.dataSource.getRepository(WebhookAttemptEntity).find({ where: { deliveryId }, order: { id: 'ASC' } });
  }

  /** The latest attempted delivery of each webhook given. */
  async latest(webhookIds: string[]): Promise<Map<string, WebhookDeliveryEntity>> {
    if (webhookIds.length === 0) return new Map();
    const rows = await this.dataSource
      .getRepository(WebhookDeliveryEntity)
      .createQueryBuilder('d')
      .distinctOn(['d.webhook_id'])
      .where('d.webhook_id IN (:...ids)', { ids: webhookIds })
      .andWhere('d.last_attempt_at IS NOT NULL')
      .orderBy('d.webhook_id')
      .addOrderBy('d.last_attempt_at', 'DESC')
      .getMany();
    return new Map(rows.map((r) => [r.webhookId, r]));
  }
}
