import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { HealthStatus } from '@stockroom/contracts';
import type { Response } from 'express';
import { Access } from '../../common/auth/access.decorator';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import { DatabaseHealth } from '../../database/database-health';

/** `GET /health` (spec §2 #16): no auth; 503 when the database cannot answer. */
@Controller('health')
export class HealthController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly database: DatabaseHealth,
  ) {}

  @Access.public()
  @Get()
  async health(@Res() res: Response): Promise<void> {
    let databaseStatus = 'OK';
    try {
      await this.database.check(3000);
    } catch (e) {
      databaseStatus = `Error: ${(e as Error).message}`;
    }
    const body: HealthStatus = {
      databaseStatus,
      serviceStatus: 'OK',
      versionNumber: this.config.version,
      releaseNumber: this.config.version,
      licenseStatus: 'OK',
    };
    res.status(databaseStatus === 'OK' ? 200 : 503).json(body);
  }
}
