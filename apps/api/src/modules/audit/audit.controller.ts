import { Controller, Get, Req } from '@nestjs/common';
import { AuditPage, Privilege } from '@stockroom/contracts';
import type { Request } from 'express';
import { Access } from '../../common/auth/access.decorator';
import { Query } from '../../common/http/query';
import { AuditService } from './audit.service';

@Controller('api/security/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  /** `?from=&to=` (ISO-8601), `user=`, `feed=`, `action=a,b`, `limit=` (≤ 1000), `before=<id>`. */
  @Get()
  @Access.global(Privilege.Administer)
  list(@Req() req: Request): Promise<AuditPage> {
    return this.audit.query(Query.fromUrl(req.originalUrl));
  }
}
