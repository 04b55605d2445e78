import { Controller, Get, Res } from '@nestjs/common';
import { Privilege } from '@stockroom/contracts';
import type { Response } from 'express';
import { Access } from '../../common/auth/access.decorator';
import { MetricsService } from './metrics.service';

async function answer(metrics: MetricsService, res: Response): Promise<void> {
  const body = await metrics.render();
  // `end`, not `send`: Express would rewrite the content type's parameters.
  res.status(200).setHeader('Content-Type', metrics.contentType).setHeader('Cache-Control', 'no-store').end(body);
}

/**
 * `GET /metrics` in Prometheus text format, for callers holding Administer (the default,
 * `STOCKROOM_METRICS_ACCESS=administer`): scrape with a system API key or an administrator's Basic auth.
 */
@Controller('metrics')
@Access.global(Privilege.Administer)
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  metricsText(@Res() res: Response): Promise<void> {
    return answer(this.metrics, res);
  }
}

/** `GET /metrics` for anyone (`STOCKROOM_METRICS_ACCESS=public`: a scraper on a private network). */
@Controller('metrics')
@Access.public()
export class PublicMetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  metricsText(@Res() res: Response): Promise<void> {
    return answer(this.metrics, res);
  }
}
