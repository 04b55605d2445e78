import { Injectable } from '@nestjs/common';
import { AuditAction, Privilege, RetentionSettings } from '@stockroom/contracts';
import type { Principal } from '../../common/auth/principal';
import { Clock } from '../../common/clock';
import { badRequest } from '../../common/errors/app-error';
import { asObject, onlyFields, optionalBool, optionalString } from '../../common/http/json-fields';
import { AuditService } from '../audit/audit.service';
import { AccessService } from '../security/access.service';
import { nextRun, scheduleProblem } from './retention-schedule';
import { RetentionRepository } from './retention.repository';

const FIELDS = ['schedule', 'timezone', 'dryRun', 'historyDays'] as const;

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
  async set(actor: Principal, body: unknown): Promise<RetentionSettings> {
    await this.access.require(actor, Privilege.Administer);
    const input = asObject(body);
    onlyFields(input, FIELDS);
    const current = await this.repository.settings();
    const schedule = (optionalString(input, 'schedule', 200) ?? current.schedule).trim();
    const timezone = optionalString(input, 'timezone', 100) ?? current.timezone;
    const problem = scheduleProblem(schedule, timezone);
    if (problem) throw badRequest(problem);
    const historyDays = input['historyDays'] ?? current.historyDays;
    if (typeof historyDays !== 'number' || !Number.isInteger(historyDays) || historyDays < 1 || historyDays > 3650)
      throw badRequest('"historyDays" must be a whole number of days from 1 to 3650.');
    await this.repository.saveSettings({
      schedule,
      timezone,
      dryRun: optionalBool(input, 'dryRun') ?? current.dryRun,
      historyDays,
      updatedAt: this.clock.now(),
    });
    await this.audit.record(actor, AuditAction.RetentionSettingsChanged, { details: { changed: Object.keys(input) } });
    return this.get();
  }
}
