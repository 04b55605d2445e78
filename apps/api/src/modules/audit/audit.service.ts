import { Injectable } from '@nestjs/common';
import { AuditAction, AuditEvent, AuditPage, CredentialKind } from '@stockroom/contracts';
import type { Principal } from '../../common/auth/principal';
import { badRequest } from '../../common/errors/app-error';
import { AuditRepository } from './audit.repository';

export interface AuditFields {
  feed?: string | null;
  target?: string | null;
  details?: Record<string, unknown>;
}

/** Who did something, when no principal says it (a failed sign-in, a share link's use). */
export interface AuditWho {
  userName: string | null;
  credential: CredentialKind;
  address: string;
}

function toRow(who: AuditWho, action: AuditAction, fields: AuditFields) {
  // PostgreSQL text cannot hold NUL: a hostile name shows it as U+FFFD.
  const userName = who.userName?.replace(/\0/g, '\uFFFD').slice(0, 200) ?? null;
  return {
    action,
    userName,
    userNameLower: userName?.toLowerCase() ?? null,
    credential: who.credential,
    address: who.address.slice(0, 64),
    feed: fields.feed ?? null,
    feedLower: fields.feed?.toLowerCase() ?? null,
    target: fields.target?.replace(/\0/g, '\uFFFD') ?? null,
    details: fields.details ?? {},
  };
}

/** Which events to list, newest first: all of them when nothing is given. */
export interface AuditQuery {
  /** From this instant (inclusive). */
  from?: Date;
  /** Until this instant (exclusive). */
  to?: Date;
  /** A user name, any case. */
  user?: string;
  /** A directory name, any case. */
  feed?: string;
  /** Any of these actions. */
  actions?: AuditAction[];
  /** A page of 1-1000 events; 100 when not given. */
  limit?: number;
  /** Only events older than this event id (the `next` of the previous page). */
  before?: string;
}

/** Who did what, when, from where and how (credential kind). Callers never pass secrets. */
@Injectable()
export class AuditService {
  constructor(private readonly repository: AuditRepository) {}

  record(actor: Principal, action: AuditAction, fields: AuditFields = {}): Promise<void> {
    const userName = actor.kind === 'anonymous' ? null : actor.name;
    return this.recordAs({ userName, credential: actor.credential, address: actor.address }, action, fields);
  }

  /** For events with no principal yet (a failed sign-in names who it tried to be). */
  async recordAs(who: AuditWho, action: AuditAction, fields: AuditFields = {}): Promise<void> {
    await this.repository.insert(toRow(who, action, fields));
  }

  /** [ext] Several events in one statement (share-link uses, written in batches: ShareUsageRecorder). */
  async recordManyAs(events: { who: AuditWho; action: AuditAction; fields: AuditFields }[]): Promise<void> {
    await this.repository.insertMany(events.map((e) => toRow(e.who, e.action, e.fields)));
  }

  async query(query: AuditQuery): Promise<AuditPage> {
    const limit = query.limit ?? 100;
    if (limit < 1 || limit > 1000) throw badRequest('"limit" must be between 1 and 1000.');
    const rows = await this.repository.find({
      from: query.from,
      to: query.to,
      userLower: query.user?.toLowerCase(),
      feedLower: query.feed?.toLowerCase(),
      actions: query.actions,
      before: query.before,
      limit,
    });
    const events: AuditEvent[] = rows.map((e) => ({
      id: Number(e.id),
      at: e.at.toISOString(),
      action: e.action,
      userName: e.userName,
      credential: e.credential,
      address: e.address,
      feed: e.feed,
      target: e.target,
      details: e.details,
    }));
    return rows.length === limit ? { events, next: events[events.length - 1].id } : { events };
  }
}
