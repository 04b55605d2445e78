import { Injectable } from '@nestjs/common';
import { AuditAction, AuditEvent, AuditPage, CredentialKind } from '@stockroom/contracts';
import type { Principal } from '../../common/auth/principal';
import { badRequest } from '../../common/errors/app-error';
import type { Query } from '../../common/http/query';
import { AuditRepository } from './audit.repository';

export interface AuditFields {
  feed?: string | null;
  target?: string | null;
  details?: Record<string, unknown>;
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
  async recordAs(
    who: { userName: string | null; credential: CredentialKind; address: string },
    action: AuditAction,
    fields: AuditFields = {},
  ): Promise<void> {
    const userName = who.userName?.slice(0, 200) ?? null;
    await this.repository.insert({
      action,
      userName,
      userNameLower: userName?.toLowerCase() ?? null,
      credential: who.credential,
      address: who.address.slice(0, 64),
      feed: fields.feed ?? null,
      feedLower: fields.feed?.toLowerCase() ?? null,
      target: fields.target ?? null,
      details: fields.details ?? {},
    });
  }

  async query(query: Query): Promise<AuditPage> {
    const limit = query.int('limit') ?? 100;
    if (limit < 1 || limit > 1000) throw badRequest('"limit" must be between 1 and 1000.');
    const actions = query.get('action')?.split(',').filter(Boolean);
    const known = Object.values(AuditAction) as string[];
    const unknown = actions?.find((a) => !known.includes(a));
    if (unknown) throw badRequest(`Unknown action "${unknown}": use one of ${known.join(', ')}.`);
    const before = query.get('before');
    if (before !== undefined && !/^\d{1,18}$/.test(before)) throw badRequest('"before" must be an event id.');
    const rows = await this.repository.find({
      from: date(query, 'from'),
      to: date(query, 'to'),
      userLower: query.get('user')?.toLowerCase(),
      feedLower: query.get('feed')?.toLowerCase(),
      actions,
      before,
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

function date(query: Query, name: string): Date | undefined {
  const raw = query.get(name);
  if (raw === undefined) return undefined;
  const value = new Date(raw);
  if (Number.isNaN(value.getTime())) throw badRequest(`"${name}" must be an ISO-8601 date or time.`);
  return value;
}
