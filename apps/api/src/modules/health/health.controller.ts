import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { HealthCheck, HealthStatus } from '@stockroom/contracts';
import type { Response } from 'express';
import { Access } from '../../common/auth/access.decorator';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { DatabaseHealth } from '../../database/database-health';
import { StorageHealthService } from './storage-health.service';

/**
 * `GET /health` (spec §2 #16): no auth; the readiness check. 503 when the database cannot answer
 * (this node can serve nothing); a storage that does not answer is named, with 200 and
 * `status: degraded`: every node shares the stores, so taking nodes out of rotation would not bring
 * it back and would stop the directories on other stores too. `GET /health/live`: the liveness check.
 */
@Controller('health')
export class HealthController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly database: DatabaseHealth,
    private readonly storages: StorageHealthService,
  ) {}

  @Access.public()
  @Get()
  async health(@Res() res: Response): Promise<void> {
    const [databaseStatus, storages] = await Promise.all([this.databaseStatus(), this.storages.check()]);
    const database: HealthCheck =
      databaseStatus === 'OK'
        ? { name: 'database', status: 'up' }
        : { name: 'database', status: 'down', reason: databaseStatus.replace(/^Error: /, '') };
    const checks = [database, ...storages];
    const down = checks.filter((c) => c.status === 'down').map((c) => c.name);
    const body: HealthStatus = {
      databaseStatus,
      serviceStatus: 'OK',
      versionNumber: this.config.version,
      releaseNumber: this.config.version,
      licenseStatus: 'OK',
      status: database.status === 'down' ? 'down' : down.length > 0 ? 'degraded' : 'ok',
      checks,
      down,
    };
    res.setHeader('Cache-Control', 'no-store');
    res.status(database.status === 'down' ? 503 : 200).json(body);
  }

  /** Liveness: 200 while the process runs and answers HTTP; touches nothing (a database blip restarts no container). */
  @Access.public()
  @Get('live')
  live(@Res() res: Response): void {
    res.setHeader('Cache-Control', 'no-store');
    res.status(200).json({ status: 'ok' });
  }

  private async databaseStatus(): Promise<string> {
    try {
      await this.database.check(3000);
      return 'OK';
    } catch (e) {
      return `Error: ${(e as Error).message}`;
    }
  }
}
