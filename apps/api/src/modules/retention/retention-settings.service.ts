import { Injectable } from '@nestjs/common';
import { AuditAction, Privilege, RetentionSettings } from '@stockroom/contracts';
import type { Principal } from '../../common/auth/principal';
import { Clock } from '../../common/clock';
import { badRequest } from '../../common/errors/app-error';
import { AuditService } from '../audit/audit.service';
import { AccessService } from '../security/access.service';
import { nextRun, scheduleProblem } from './retention-schedule';
import type { RetentionSettingsDto } from './retention-requests.dto';
import { RetentionRepository } from './retention.repository';

/** `GET|POST /api/retention/settings`: the schedule, the global dry-run switch, history length. */
@Injectable()
export class RetentionSettingsService {
  constructor(
    private readonly repository: RetentionRepository,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async get(): Promise<RetentionSettings> {
    const s = await this.repository.settings();
    const next = nextRun(s.schedule, s.timezone, this.clock.now());
    return {
      schedule: s.schedule,
      timezone: s.timezone,
      dryRun: s.dryRun,
      historyDays: s.historyDays,
      ...(next ? { nextRun: next.toISOString() } : {}),
    };
  }

  /** Partial: fields left out keep their value. Everything is checked before anything changes. */
  async set(actor: Principal, input: RetentionSettingsDto): Promise<RetentionSettings> {
    await this.access.require(actor, Privilege.Administer);
    const current = await this.repository.settings();
    const schedule = (input.schedule ?? current.schedule).trim();
    const timezone = input.timezone ?? current.timezone;
    const problem = scheduleProblem(schedule, timezone);
    if (problem) throw badRequest(problem);
    await this.repository.saveSettings({
      schedule,
      timezone,
      dryRun: input.dryRun ?? current.dryRun,
      historyDays: input.historyDays ?? current.historyDays,
      updatedAt: this.clock.now(),
    });
    await this.audit.record(actor, AuditAction.RetentionSettingsChanged, { details: { changed: Object.keys(input) } });
    return this.get();
  }
}
