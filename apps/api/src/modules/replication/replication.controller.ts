import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Privilege, type ReplicationJob, type ReplicationRun } from '@stockroom/contracts';
import type { Request, Response } from 'express';
import { Access } from '../../common/auth/access.decorator';
import { Actor } from '../../common/auth/actor.decorator';
import type { Principal } from '../../common/auth/principal';
import { badRequest } from '../../common/errors/app-error';
import { Query } from '../../common/http/query';
import { Answers, QueryParam } from '../../openapi/api-docs.decorators';
import { CreateReplicationDto } from './replication-requests.dto';
import { Page, ReplicationService } from './replication.service';

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
 * [ext] Replication jobs (issue 20), Administer: `POST /api/replication` makes one; list, get,
 * delete; `POST {id}/run` → 202 and the run (`?wait=true`: 200 once it is over); `GET {id}/runs`,
 * `GET {id}/runs/{runId}` (with the per-file log). `GET identity` (public) says which installation
 * this is, so that a job never replicates a directory onto itself.
 */
@ApiTags('Replication')
@Controller('api/replication')
@Access.global(Privilege.Administer)
export class ReplicationController {
  constructor(private readonly replication: ReplicationService) {}

  @Answers(200, 'ReplicationIdentity')
  @Get('identity')
  @Access.public()
  async identity(): Promise<{ server: string }> {
    return { server: await this.replication.serverId() };
  }

  @Answers(201, 'ReplicationJob')
  @Post()
  create(@Actor() actor: Principal, @Body() body: CreateReplicationDto): Promise<ReplicationJob> {
    return this.replication.create(actor, body);
  }

  @Answers(200, ['ReplicationJob'])
  @Get()
  list(@Actor() actor: Principal): Promise<ReplicationJob[]> {
    return this.replication.list(actor);
  }

  @Answers(200, 'ReplicationJob')
  @Get(':id')
  get(@Actor() actor: Principal, @Param('id') id: string): Promise<ReplicationJob> {
    return this.replication.get(actor, id);
  }

  @Answers(204, undefined, 'Deleted')
  @Delete(':id')
  @HttpCode(204)
  async remove(@Actor() actor: Principal, @Param('id') id: string): Promise<void> {
    await this.replication.delete(actor, id);
  }

  @Answers(202, 'ReplicationRun', 'Started, or an interrupted run taken over (Location: the run)')
  @Answers(200, 'ReplicationRun', 'With `wait=true`: the run, over')
  @QueryParam('wait', 'Answer once the run is over (200) instead of at once (202). ' + LENIENT, 'boolean')
  @Post(':id/run')
  async run(
    @Actor() actor: Principal,
    @Param('id') id: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ReplicationRun> {
    const started = await this.replication.start(actor, id);
    res.setHeader('Location', `/api/replication/${id}/runs/${started.run.id}`);
    if (!Query.fromUrl(req.originalUrl).bool('wait')) {
      res.status(202);
      return started.run;
    }
    await started.done;
    res.status(200);
    return this.replication.runById(started.run.id);
  }

  @Answers(200, ['ReplicationRun'], 'Newest first')
  @QueryParam('limit', 'At most this many runs (1-500, default 50).', 'integer')
  @QueryParam('before', 'Only runs older than this id.', 'integer')
  @Get(':id/runs')
  runs(@Actor() actor: Principal, @Param('id') id: string, @Req() req: Request): Promise<ReplicationRun[]> {
    return this.replication.runs(actor, id, runsPage(Query.fromUrl(req.originalUrl)));
  }

  @Answers(200, 'ReplicationRun', 'The run with its per-file log (copied, deleted, failed, refused paths)')
  @QueryParam('offset', 'Skip this many entries of the log.', 'integer')
  @QueryParam('limit', 'At most this many entries.', 'integer')
  @Get(':id/runs/:runId')
  getRun(
    @Actor() actor: Principal,
    @Param('id') id: string,
    @Param('runId') runId: string,
    @Req() req: Request,
  ): Promise<ReplicationRun> {
    return this.replication.getRun(actor, id, runId, pageOf(Query.fromUrl(req.originalUrl)));
  }
}
