import { Controller, Get, Req } from '@nestjs/common';
import { AuditAction, AuditPage, Privilege } from '@stockroom/contracts';
import type { Request } from 'express';
import { Access } from '../../common/auth/access.decorator';
import { badRequest } from '../../common/errors/app-error';
import { Query } from '../../common/http/query';
import { AuditQuery, AuditService } from './audit.service';
import { ApiTags } from '@nestjs/swagger';
import { Answers, QueryParam } from '../../openapi/api-docs.decorators';

const ACTIONS = Object.values(AuditAction) as string[];

function date(query: Query, name: string): Date | undefined {
  const raw = query.get(name);
  if (raw === undefined) return undefined;
  const value = new Date(raw);
  if (Number.isNaN(value.getTime())) throw badRequest(`"${name}" must be an ISO-8601 date or time.`);
  return value;
}

/** The query string as an {@link AuditQuery}; a malformed parameter is a 400 naming it (the limit's range is the service's). */
function auditQuery(query: Query): AuditQuery {
  const limit = query.int('limit');
  const actions = query.get('action')?.split(',').filter(Boolean);
  const unknown = actions?.find((a) => !ACTIONS.includes(a));
  if (unknown) throw badRequest(`Unknown action "${unknown}": use one of ${ACTIONS.join(', ')}.`);
  const before = query.get('before');
  if (before !== undefined && !/^\d{1,18}$/.test(before)) throw badRequest('"before" must be an event id.');
  return {
    from: date(query, 'from'),
    to: date(query, 'to'),
    user: query.get('user'),
    feed: query.get('feed'),
    actions: actions as AuditAction[] | undefined,
    limit,
    before,
  };
}

@ApiTags('Audit')
@Controller('api/security/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  /** `?from=&to=` (ISO-8601), `user=`, `feed=`, `action=a,b`, `limit=` (≤ 1000), `before=<id>`. */
  @Answers(200, 'AuditPage', 'Newest first')
  @QueryParam('from', 'ISO-8601: events at or after.')
  @QueryParam('to', 'ISO-8601: events before.')
  @QueryParam('user', 'Events of this user.')
  @QueryParam('feed', 'Events of this directory.')
  @QueryParam('action', 'Comma-separated actions (e.g. `login.failed,user.created`).')
  @QueryParam('limit', 'At most this many events (up to 1000).', 'integer')
  @QueryParam('before', 'The `next` of the previous page.')
  @Get()
  @Access.global(Privilege.Administer)
  list(@Req() req: Request): Promise<AuditPage> {
    return this.audit.query(auditQuery(Query.fromUrl(req.originalUrl)));
  }
}
