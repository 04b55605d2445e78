import { Body, Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { Privilege, RetentionPreview, RetentionRun, RetentionSettings } from '@stockroom/contracts';
import type { Request, Response } from 'express';
import { Access } from '../../common/auth/access.decorator';
import { Actor } from '../../common/auth/actor.decorator';
import type { Principal } from '../../common/auth/principal';
import { badRequest } from '../../common/errors/app-error';
import { Query } from '../../common/http/query';
import { ApplyRetentionDto, RetentionSettingsDto } from './retention-requests.dto';
import { RetentionSettingsService } from './retention-settings.service';
import { Page, RetentionService } from './retention.service';
import { ApiTags } from '@nestjs/swagger';
import { Answers, QueryParam } from '../../openapi/api-docs.decorators';

const LENIENT = 'A value starting with `true` (any case) is true.';

const MAX_RUNS_PAGE = 500;

function pageOf(q: Query): Page {
  const offset = q.int('offset');
  const limit = q.int('limit');
  if (offset !== undefined && offset < 0) throw badRequest('"offset" must be 0 or more.');
  if (limit !== undefined && limit < 0) throw badRequest('"limit" must be 0 or more.');
  return { offset, limit };
}

function runsPage(q: Query): { before?: string; limit: number } {
  const limit = q.int('limit') ?? 50;
  if (limit < 1 || limit > MAX_RUNS_PAGE) throw badRequest(`"limit" must be from 1 to ${MAX_RUNS_PAGE}.`);
  const before = q.int('before');
  return { limit, ...(before !== undefined ? { before: String(before) } : {}) };
}

/**
 * [ext] Retention: `POST {directory}/preview` → the frozen candidate list with reasons;
 * `POST {directory}/apply` (`{"previewId"}`) and `POST {directory}/run` (`?dryRun=true`) → 202 and
 * the run (`?wait=true`: 200 once it is over); `GET {directory}/runs`, `GET runs`, `GET runs/{id}`
 * (with the per-file log), `GET previews/{id}`; `GET|POST settings`. Directory routes come first, so
 * a directory named "runs" still has its own.
 */
@ApiTags('Retention')
@Controller('api/retention')
@Access.directory()
export class RetentionController {
  constructor(
    private readonly retention: RetentionService,
    private readonly settings: RetentionSettingsService,
  ) {}

  @Answers(200, 'RetentionPreview')
  @QueryParam('offset', 'Skip this many files of the list.', 'integer')
  @QueryParam('limit', 'At most this many files.', 'integer')
  @Post(':directory/preview')
  @HttpCode(200)
  preview(@Actor() actor: Principal, @Param('directory') name: string, @Req() req: Request): Promise<RetentionPreview> {
    return this.retention.preview(actor, name, pageOf(Query.fromUrl(req.originalUrl)));
  }

  @Answers(202, 'RetentionRun', 'Started (Location: the run)')
  @Answers(200, 'RetentionRun', 'With `wait=true`: the run, over')
  @QueryParam('wait', 'Answer once the run is over (200) instead of at once (202). ' + LENIENT, 'boolean')
  @Post(':directory/apply')
  async apply(
    @Actor() actor: Principal,
    @Param('directory') name: string,
    @Body() body: ApplyRetentionDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<RetentionRun> {
    return this.started(req, res, await this.retention.apply(actor, name, body.previewId));
  }

  @Answers(202, 'RetentionRun', 'Started (Location: the run)')
  @Answers(200, 'RetentionRun', 'With `wait=true`: the run, over')
  @QueryParam('dryRun', 'Only log what would be deleted. ' + LENIENT, 'boolean')
  @QueryParam('wait', 'Answer once the run is over (200) instead of at once (202). ' + LENIENT, 'boolean')
  @Post(':directory/run')
  async run(
    @Actor() actor: Principal,
    @Param('directory') name: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<RetentionRun> {
    const q = Query.fromUrl(req.originalUrl);
    return this.started(req, res, await this.retention.run(actor, name, q.bool('dryRun')));
  }

  @Answers(200, ['RetentionRun'], 'Newest first')
  @QueryParam('limit', 'At most this many runs (1-500, default 50).', 'integer')
  @QueryParam('before', 'Only runs older than this id.', 'integer')
  @Get(':directory/runs')
  runsOf(@Actor() actor: Principal, @Param('directory') name: string, @Req() req: Request): Promise<RetentionRun[]> {
    return this.retention.runsOf(actor, name, runsPage(Query.fromUrl(req.originalUrl)));
  }

  @Answers(200, ['RetentionRun'], 'Runs of the directories the caller may view, newest first')
  @QueryParam('limit', 'At most this many runs (1-500, default 50).', 'integer')
  @QueryParam('before', 'Only runs older than this id.', 'integer')
  @Get('runs')
  @Access.authenticated()
  runs(@Actor() actor: Principal, @Req() req: Request): Promise<RetentionRun[]> {
    return this.retention.allRuns(actor, runsPage(Query.fromUrl(req.originalUrl)));
  }

  @Answers(200, 'RetentionRun', 'The run with its per-file log')
  @QueryParam('offset', 'Skip this many files of the list.', 'integer')
  @QueryParam('limit', 'At most this many files.', 'integer')
  @Get('runs/:id')
  getRun(@Actor() actor: Principal, @Param('id') id: string, @Req() req: Request): Promise<RetentionRun> {
    return this.retention.getRun(actor, id, pageOf(Query.fromUrl(req.originalUrl)));
  }

  @Answers(200, 'RetentionPreview')
  @QueryParam('offset', 'Skip this many files of the list.', 'integer')
  @QueryParam('limit', 'At most this many files.', 'integer')
  @Get('previews/:id')
  getPreview(@Actor() actor: Principal, @Param('id') id: string, @Req() req: Request): Promise<RetentionPreview> {
    return this.retention.getPreview(actor, id, pageOf(Query.fromUrl(req.originalUrl)));
  }

  @Answers(200, 'RetentionSettings')
  @Get('settings')
  @Access.authenticated()
  getSettings(): Promise<RetentionSettings> {
    return this.settings.get();
  }

  @Answers(200, 'RetentionSettings')
  @Post('settings')
  @HttpCode(200)
  @Access.global(Privilege.Administer)
  setSettings(@Actor() actor: Principal, @Body() body: RetentionSettingsDto): Promise<RetentionSettings> {
    return this.settings.set(actor, body);
  }

  /** 202 + Location for a run that goes on in the background; `?wait=true` answers when it is over. */
  private async started(
    req: Request,
    res: Response,
    started: { run: RetentionRun; done: Promise<void> },
  ): Promise<RetentionRun> {
    res.setHeader('Location', `/api/retention/runs/${started.run.id}`);
    if (!Query.fromUrl(req.originalUrl).bool('wait')) {
      res.status(202);
      return started.run;
    }
    await started.done;
    res.status(200);
    return this.retention.runById(started.run.id);
  }
}
