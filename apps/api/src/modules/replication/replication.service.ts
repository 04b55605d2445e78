import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import {
  AuditAction,
  ErrorCode,
  isValidFeedName,
  Privilege,
  type CreateReplicationRequest,
  type ReplicationJob,
  type ReplicationRun,
} from '@stockroom/contracts';
import { Readable } from 'node:stream';
import type { Principal } from '../../common/auth/principal';
import { Clock } from '../../common/clock';
import { AppError, badRequest } from '../../common/errors/app-error';
import { OutboundHttp } from '../../common/net/outbound-http';
import { isOutboundDenied } from '../../common/net/outbound-policy';
import { APP_CONFIG, AppConfig } from '../../config/app-config';
import type { LockedSession } from '../../database/advisory-locks';
import { itemPath, type AssetTarget } from '../assets/asset-target';
import { AssetUploadService } from '../assets/asset-upload.service';
import { AssetsService } from '../assets/assets.service';
import { parseMetadataUpdate } from '../assets/metadata-update';
import { AuditService } from '../audit/audit.service';
import { ChangeEventsService } from '../events/change-events.service';
import type { FeedEntity } from '../feeds/feed.entity';
import { FeedsService } from '../feeds/feeds.service';
import { dueSlot, nextRun, scheduleProblem } from '../retention/retention-schedule';
import { AccessService } from '../security/access.service';
import { StorageSecrets } from '../storage/storage-secrets';
import { StorageService } from '../storage/storage.service';
import { failureReason, RemoteAssetClient, RemoteError, type RemoteFile } from './remote-asset-client';
import { LocalFile, metadataKey, sameContent, toLocal, wireMetadata } from './replication-compare';
import { ReplicationIdentity } from './replication-identity.service';
import { toFile, toJob, toRun } from './replication.mapper';
import { JobRow, ReplicationRepository, RunRow } from './replication.repository';

/** Schedules are read in UTC (the job has no time zone of its own). */
const TIMEZONE = 'UTC';
/** Files larger than this are pushed with the chunked protocol (spec §4), in parts of {@link PART_BYTES}. */
const MULTIPART_ABOVE_BYTES = 256 * 1024 * 1024;
const PART_BYTES = 64 * 1024 * 1024;
/** Files a run transfers at once (each streamed: memory does not grow with it). */
const TRANSFERS = 4;
/** How often a pass writes its compared/skipped counts while it runs. */
const PROGRESS_EVERY = 200;

export interface Page {
  offset?: number;
  limit?: number;
}

/** What a run acts as here: the replication job itself, with Administer (only administrators make jobs). */
function jobActor(job: JobRow): Principal {
  return {
    kind: 'api-key',
    name: `replication job #${job.id}`,
    key: { id: 0, grant: { type: 'system', privileges: Object.values(Privilege) } },
    credential: 'api-key',
    address: 'replication',
  };
}

/** How a run ended its pass: over, or stopped early (shutdown) and left to be taken over. */
type PassResult = 'done' | 'stopped';

/**
 * Replication jobs and their runs (issue 20). A run holds its job's advisory lock for its whole
 * length (one node at a time per job, across the cluster); it lists both sides, compares by path
 * and SHA-256, and streams what differs through the existing paths: pulled files are written by
 * AssetUploadService (hashes, quota, policies), pushed ones are read from storage and POSTed to the
 * remote. Each file's outcome is logged as it lands, so a run cut short (a crash, a kill, a
 * shutdown) is taken over by the next start of the job or by the scheduler and sends nothing that
 * already landed: those files compare equal now, and the log already counts them.
 */
@Injectable()
export class ReplicationService implements OnApplicationShutdown {
  private readonly logger = new Logger(ReplicationService.name);
  private readonly secrets: StorageSecrets;
  private readonly active = new Set<Promise<void>>();
  private stopping = false;
  private readonly shutdown = new AbortController();
  /** When pushing switches to the chunked protocol, and its part size (tests lower them). */
  multipart = { aboveBytes: MULTIPART_ABOVE_BYTES, partBytes: PART_BYTES };
  /** Files transferred at once by a run. */
  transfers = TRANSFERS;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: ReplicationRepository,
    private readonly feeds: FeedsService,
    private readonly assets: AssetsService,
    private readonly uploads: AssetUploadService,
    private readonly storage: StorageService,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly events: ChangeEventsService,
    private readonly http: OutboundHttp,
    private readonly clock: Clock,
    private readonly identity: ReplicationIdentity,
  ) {
    this.secrets = StorageSecrets.load(config.encryptionKey, config.dataDir);
  }

  /**
   * Stops runs at once: transfers in flight are aborted (a pulled file is then not written at all,
   * a pushed one not completed), and each run stays 'running' for another node or the next start.
   */
  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.shutdown.abort();
    await Promise.allSettled([...this.active]);
  }

  // ---- jobs ----

  async create(actor: Principal, body: CreateReplicationRequest): Promise<ReplicationJob> {
    await this.access.require(actor, Privilege.Administer);
    const feed = await this.feeds.requireFor(actor, Privilege.View, body.feed);
    const remoteUrl = this.checkUrl(body.remoteUrl);
    const remoteFeed = body.remoteFeed.trim();
    if (!isValidFeedName(remoteFeed))
      throw badRequest(`"remoteFeed": "${remoteFeed}" is not an asset directory name (1-100 of A-Z a-z 0-9 . _ -).`);
    const schedule = (body.schedule ?? '').trim();
    const problem = scheduleProblem(schedule, TIMEZONE);
    if (problem) throw badRequest(problem);
    if (schedule !== '' && schedule.split(/\s+/).length < 5)
      throw badRequest('"schedule": a cron expression has 5 or 6 fields.');
    try {
      await this.http.policy.check(remoteUrl);
    } catch (e) {
      if (isOutboundDenied(e)) throw new AppError(ErrorCode.Forbidden, `The remote's address ${(e as Error).message}.`);
      throw e;
    }
    if (await this.identity.isSelf(remoteUrl, remoteFeed, feed.name)) {
      throw badRequest(
        `"${feed.name}" cannot replicate with itself: ${remoteUrl} is this server and "${remoteFeed}" this directory.`,
      );
    }
    const apiKey = body.apiKey?.trim() ? this.secrets.encrypt(body.apiKey.trim()) : null;
    const row = await this.repository.insertJob({
      feedId: feed.id,
      remoteUrl,
      remoteFeed,
      mode: body.mode,
      apiKey,
      schedule,
      deletes: body.deletes ?? false,
      createdBy: actor.name,
      createdAt: this.clock.now(),
    });
    await this.audit.record(actor, AuditAction.ReplicationCreated, {
      feed: feed.name,
      target: remoteUrl,
      details: { id: String(row.id), remoteFeed, mode: body.mode, deletes: row.deletes, schedule },
    });
    return toJob(row, feed.name, null, this.nextRunOf(row));
  }

  async list(actor: Principal): Promise<ReplicationJob[]> {
    await this.access.require(actor, Privilege.Administer);
    const rows = await this.repository.jobs();
    const names = await this.feeds.namesById(rows.map((r) => r.feed_id));
    const last = new Map((await this.repository.lastRuns(rows.map((r) => r.id))).map((r) => [r.job_id, r]));
    return rows.map((r) => toJob(r, names.get(r.feed_id) ?? '', last.get(r.id) ?? null, this.nextRunOf(r)));
  }

  async get(actor: Principal, id: string): Promise<ReplicationJob> {
    await this.access.require(actor, Privilege.Administer);
    const row = await this.requireJob(id);
    const names = await this.feeds.namesById([row.feed_id]);
    const [last] = await this.repository.lastRuns([row.id]);
    return toJob(row, names.get(row.feed_id) ?? '', last ?? null, this.nextRunOf(row));
  }

  async delete(actor: Principal, id: string): Promise<void> {
    await this.access.require(actor, Privilege.Administer);
    const row = await this.requireJob(id);
    // A run in progress on this node or another ends at its next file (its rows go with the job).
    await this.repository.deleteJob(row.id);
    const names = await this.feeds.namesById([row.feed_id]);
    await this.audit.record(actor, AuditAction.ReplicationDeleted, {
      feed: names.get(row.feed_id) ?? null,
      target: row.remote_url,
      details: { id: String(row.id), remoteFeed: row.remote_feed },
    });
  }

  // ---- runs ----

  /**
   * `POST /api/replication/{id}/run`: a run interrupted mid-way (its node died) is taken over;
   * otherwise a new run starts. 409 while a run of the job is in progress on a live node.
   */
  async start(actor: Principal, id: string): Promise<{ run: ReplicationRun; done: Promise<void> }> {
    await this.access.require(actor, Privilege.Administer);
    const job = await this.requireJob(id);
    const lock = await this.repository.tryLock(job.id);
    if (!lock) {
      throw new AppError(
        ErrorCode.Conflict,
        `A run of replication job #${job.id} is in progress: see GET /api/replication/${job.id}/runs.`,
      );
    }
    let run: RunRow | null;
    let resumed = false;
    try {
      const [left] = await this.repository.unfinishedRuns(job.id);
      if (left) {
        resumed = true;
        await this.repository.markResumed(lock.session, left.id);
        run = await this.repository.run(left.id, lock.session);
      } else {
        run = await this.repository.insertRun(lock.session, {
          jobId: job.id,
          trigger: 'manual',
          startedBy: actor.name,
          startedAt: this.clock.now(),
        });
      }
      if (!run) throw new Error('The run could not be recorded.');
    } catch (e) {
      await lock.release();
      throw e;
    }
    const done = this.execute(lock, job, run, resumed);
    const names = await this.feeds.namesById([job.feed_id]);
    await this.audit.record(actor, AuditAction.ReplicationRunStarted, {
      feed: names.get(job.feed_id) ?? null,
      target: job.remote_url,
      details: { id: String(job.id), run: String(run.id), resumed },
    });
    return { run: toRun(run), done };
  }

  /**
   * Starts a scheduled run for one slot (and returns once it is started): the lock lets one node in,
   * the slot's unique row keeps others out.
   */
  async runScheduled(job: JobRow, slot: Date): Promise<void> {
    const lock = await this.repository.tryLock(job.id);
    if (!lock) return;
    let run: RunRow | null;
    try {
      if ((await this.repository.unfinishedRuns(job.id)).length > 0)
        run = null; // carried on first, by the tick
      else
        run = await this.repository.insertRun(lock.session, {
          jobId: job.id,
          trigger: 'scheduled',
          slot,
          startedBy: 'scheduler',
          startedAt: this.clock.now(),
        });
    } catch (e) {
      await lock.release();
      throw e;
    }
    if (!run) {
      await lock.release();
      return;
    }
    // Not awaited: a long run of one job must not make another job miss its slot.
    void this.execute(lock, job, run, false).catch(() => undefined);
  }

  /**
   * Takes over every run a stopped node left 'running' (its lock went with its connection); each goes
   * on in the background.
   */
  async carryOnInterrupted(): Promise<void> {
    for (const left of await this.repository.unfinishedRuns()) {
      if (this.stopping) return;
      const lock = await this.repository.tryLock(left.job_id);
      if (!lock) continue; // running on a live node
      const job = await this.repository.job(left.job_id);
      const run = job ? await this.repository.run(left.id, lock.session) : null;
      if (!job || run?.state !== 'running') {
        await lock.release();
        continue;
      }
      await this.repository.markResumed(lock.session, run.id);
      void this.execute(lock, job, run, true).catch(() => undefined);
    }
  }

  /** Scheduled jobs whose fire time is due now. */
  async dueJobs(now: Date): Promise<{ job: JobRow; slot: Date }[]> {
    const due: { job: JobRow; slot: Date }[] = [];
    for (const job of await this.repository.scheduledJobs()) {
      const slot = dueSlot(job.schedule, TIMEZONE, now);
      if (slot) due.push({ job, slot });
    }
    return due;
  }

  async runs(actor: Principal, id: string, opts: { before?: string; limit: number }): Promise<ReplicationRun[]> {
    await this.access.require(actor, Privilege.Administer);
    const job = await this.requireJob(id);
    return (await this.repository.runs(job.id, opts)).map(toRun);
  }

  async getRun(actor: Principal, id: string, runId: string, page: Page): Promise<ReplicationRun> {
    await this.access.require(actor, Privilege.Administer);
    const job = await this.requireJob(id);
    const row = /^\d{1,18}$/.test(runId) ? await this.repository.run(runId) : null;
    if (!row || row.job_id !== job.id)
      throw new AppError(ErrorCode.NotFound, `Run #${runId} of replication job #${job.id} was not found.`);
    return { ...toRun(row), files: (await this.repository.files(row.id, page)).map(toFile) };
  }

  /** A run as it stands now (for `?wait=true`). */
  async runById(runId: string): Promise<ReplicationRun> {
    const row = await this.repository.run(runId);
    if (!row) throw new AppError(ErrorCode.NotFound, `Replication run #${runId} was not found.`);
    return toRun(row);
  }

  // ---- the work ----

  private execute(lock: LockedSession, job: JobRow, run: RunRow, resumed: boolean): Promise<void> {
    const done = (async () => {
      try {
        await this.work(lock, job, run, resumed);
      } finally {
        await lock.release();
      }
    })();
    const tracked = done.catch((e) => this.logger.error(`Replication run #${run.id} stopped: ${(e as Error).message}`));
    this.active.add(tracked);
    void tracked.finally(() => this.active.delete(tracked));
    return done;
  }

  private async work(lock: LockedSession, job: JobRow, run: RunRow, resumed: boolean): Promise<void> {
    let feed: FeedEntity | undefined;
    try {
      feed = await this.feeds.requireById(job.feed_id);
      if (resumed) this.logger.log(`Replication run #${run.id} of job #${job.id}: taken over`);
      if (await this.identity.isSelf(job.remote_url, job.remote_feed, feed.name))
        throw new Error(`${job.remote_url} is this server and "${job.remote_feed}" this directory`);
      const result = await this.pass(lock, job, run, feed);
      if (result === 'stopped') return; // taken over by another node or the next start
      const now = await this.repository.run(run.id);
      const failed = Number(now?.failed_files ?? 0);
      const error = failed > 0 ? `${failed} file(s) failed: see the run's file log` : undefined;
      await this.repository.finishRun(run.id, failed > 0 ? 'failed' : 'completed', this.clock.now(), error);
      await this.announce(job, feed, run.id, error);
    } catch (e) {
      if (this.stopping) return; // cut short by the shutdown: taken over later
      const message = failureReason(e);
      this.logger.warn(`Replication run #${run.id} of job #${job.id} failed: ${message}`);
      // When the database is what failed this may fail too: the run stays 'running' and is taken over.
      await this.repository.finishRun(run.id, 'failed', this.clock.now(), message).catch(() => undefined);
      await this.announce(job, feed, run.id, message).catch(() => undefined);
    }
  }

  /** `replication.completed` / `replication.failed`, with the run's counts. */
  private async announce(job: JobRow, feed: FeedEntity | undefined, runId: string, error?: string): Promise<void> {
    const row = await this.repository.run(runId);
    const run = row ? toRun(row) : undefined;
    await this.events.publishNow({
      type: error ? 'replication.failed' : 'replication.completed',
      feed: feed ? { id: feed.id, name: feed.name } : null,
      actor: `replication job #${job.id}`,
      details: {
        jobId: String(job.id),
        runId: String(runId),
        mode: job.mode,
        remoteUrl: job.remote_url,
        remoteFeed: job.remote_feed,
        ...(run
          ? {
              compared: run.comparedFiles,
              copied: run.copiedFiles,
              deleted: run.deletedFiles,
              skipped: run.skippedFiles,
              failed: run.failedFiles,
              bytes: run.bytes,
              resumed: run.resumed,
            }
          : {}),
        ...(error ? { error } : {}),
      },
    });
  }

  /**
   * One comparison of both sides and the transfers it calls for, {@link transfers} files at a time.
   * Each file's outcome is written (through the pool: the lock's connection only holds the lock) as
   * soon as it lands.
   */
  private async pass(lock: LockedSession, job: JobRow, run: RunRow, feed: FeedEntity): Promise<PassResult> {
    const actor = jobActor(job);
    const client = new RemoteAssetClient(
      this.http,
      job.remote_url,
      job.remote_feed,
      job.api_key ? this.secrets.decrypt(job.api_key) : null,
      this.shutdown.signal,
    );
    const { files: remoteFiles, folders: remoteFolders, refused } = await client.list();
    const { files: local, folders: localFolders } = await this.localTree(actor, feed);
    const remote = new Map(remoteFiles.map((f) => [f.path.toLowerCase(), f]));
    const refusedPaths = new Set(refused.map((r) => r.path.toLowerCase()));
    // Copied or deleted by this run before it was interrupted: counted once, in the log.
    const done = await this.repository.donePaths(lock.session, run.id);
    const pulling = job.mode === 'pull' || job.mode === 'mirror';
    const deleting = job.mode === 'mirror' || job.deletes;
    const counts = { compared: 0, skipped: 0 };
    const record = (
      path: string,
      outcome: 'copied' | 'deleted' | 'skipped' | 'failed',
      size: number,
      reason?: string,
    ) => this.repository.recordFile(run.id, { path, outcome, size, reason, at: this.clock.now() });
    const progress = async () => {
      if (counts.compared % PROGRESS_EVERY === 0) await this.repository.setCounts(run.id, counts);
    };

    for (const r of refused) {
      this.logger.warn(`Replication job #${job.id}: skipped "${r.path}" (${r.reason})`);
      await record(r.path, 'skipped', 0, r.reason);
    }

    const compareAndSend = async (source: RemoteFile | LocalFile): Promise<void> => {
      const key = source.path.toLowerCase();
      counts.compared++;
      const there = pulling ? local.get(key) : remote.get(key);
      const remoteSide = (pulling ? source : there) as RemoteFile | undefined;
      const localSide = (pulling ? there : source) as LocalFile | undefined;
      if (remoteSide && localSide) await this.withRemoteHash(client, remoteSide, localSide);
      const unchanged = remoteSide !== undefined && localSide !== undefined && sameContent(localSide, remoteSide);
      if (done.has(key) && unchanged) return; // landed before the interruption
      // Before anything is sent (unchanged files cost no query): a deleted job stops its run.
      if (!unchanged) await this.requireStillThere(job);
      try {
        if (pulling) {
          const src = source as RemoteFile;
          const dst = there as LocalFile | undefined;
          if (unchanged) {
            counts.skipped++;
            if (
              metadataKey(src.userMetadata, src.cacheHeader) !==
              metadataKey(wireMetadata(dst?.userMetadata ?? null), dst?.cacheHeader)
            )
              await this.applyMetadata(actor, feed, src);
          } else {
            await this.pullFile(actor, feed, client, src, dst);
            await record(src.path, 'copied', src.size);
          }
        } else {
          const src = source as LocalFile;
          const dst = there as RemoteFile | undefined;
          const wanted = metadataKey(wireMetadata(src.userMetadata), src.cacheHeader);
          const theirs = dst ? metadataKey(dst.userMetadata, dst.cacheHeader) : metadataKey(undefined, undefined);
          if (unchanged) {
            counts.skipped++;
            if (wanted !== theirs) await this.pushMetadata(client, src);
          } else {
            await this.pushFile(feed, client, src, wanted !== metadataKey(undefined, undefined) || wanted !== theirs);
            await record(src.path, 'copied', src.size);
          }
        }
      } catch (e) {
        if (this.stopping) return; // aborted by the shutdown: tried again by whoever takes over
        const reason = failureReason(e);
        this.logger.warn(`Replication job #${job.id}: "${source.path}" failed: ${reason}`);
        await record(source.path, 'failed', 0, reason);
      }
      await progress();
    };

    const deleteTarget = async (target: RemoteFile | LocalFile): Promise<void> => {
      counts.compared++;
      await this.requireStillThere(job);
      try {
        if (pulling) {
          const path = await this.assets.resolvePath(feed, target.path.split('/'));
          await this.assets.delete(actor, { feed, path }, { recursive: false, fileOnly: true });
        } else await client.delete(target.path);
        await record(target.path, 'deleted', target.size);
      } catch (e) {
        if (this.stopping) return;
        await record(target.path, 'failed', 0, `delete: ${failureReason(e)}`);
      }
      await progress();
    };

    // In path order: a log that reads like the tree.
    const byPath = <T extends { path: string }>(a: T, b: T) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
    const sources: (RemoteFile | LocalFile)[] = pulling ? [...remote.values()] : [...local.values()];
    await this.eachLimited(sources.sort(byPath), compareAndSend);
    if (this.stopping) return 'stopped';
    if (deleting) {
      const sourceKeys = pulling ? remote : local;
      // A path the remote lists but we refused is not "missing" there: kept.
      const targets = (pulling ? [...local.values()] : [...remote.values()]).filter(
        (t) => !sourceKeys.has(t.path.toLowerCase()) && !refusedPaths.has(t.path.toLowerCase()),
      );
      await this.eachLimited(targets.sort(byPath), deleteTarget);
      if (this.stopping) return 'stopped';
    }
    await this.replicateFolders(job, feed, client, {
      source: pulling ? remoteFolders : localFolders,
      target: pulling ? localFolders : remoteFolders,
      sourceFiles: sources,
      pulling,
      deleting,
      refused: refusedPaths,
      record,
    });
    if (this.stopping) return 'stopped';
    await this.repository.setCounts(run.id, counts);
    return 'done';
  }

  /**
   * Folders no file is in (files bring theirs): made on the target when the source has them; with
   * deletes, the target's that the source lacks are removed when they are empty (deepest first; one
   * that still holds something, such as a refused file, stays). Only failures are logged, with the
   * folder's path and a trailing `/`.
   */
  private async replicateFolders(
    job: JobRow,
    feed: FeedEntity,
    client: RemoteAssetClient,
    sides: {
      source: string[];
      target: string[];
      sourceFiles: { path: string }[];
      pulling: boolean;
      deleting: boolean;
      refused: Set<string>;
      record: (path: string, outcome: 'failed', size: number, reason: string) => Promise<void>;
    },
  ): Promise<void> {
    const actor = jobActor(job);
    const holdingFiles = new Set<string>();
    for (const f of sides.sourceFiles) {
      const segments = f.path.toLowerCase().split('/');
      for (let i = 1; i < segments.length; i++) holdingFiles.add(segments.slice(0, i).join('/'));
    }
    const sourceKeys = new Set(sides.source.map((p) => p.toLowerCase()));
    const targetKeys = new Set(sides.target.map((p) => p.toLowerCase()));
    const fail = (path: string, e: unknown) => sides.record(`${path}/`, 'failed', 0, `folder: ${failureReason(e)}`);
    const missing = sides.source.filter((p) => !targetKeys.has(p.toLowerCase()) && !holdingFiles.has(p.toLowerCase()));
    for (const path of missing.sort()) {
      if (this.stopping) return;
      await this.requireStillThere(job);
      try {
        if (sides.pulling)
          await this.assets.createFolder(actor, { feed, path: await this.assets.resolvePath(feed, path.split('/')) });
        else await client.createFolder(path);
      } catch (e) {
        if (!this.stopping) await fail(path, e);
      }
    }
    if (!sides.deleting) return;
    const extra = sides.target.filter(
      (p) =>
        !sourceKeys.has(p.toLowerCase()) &&
        !holdingFiles.has(p.toLowerCase()) &&
        !sides.refused.has(`${p.toLowerCase()}/`),
    );
    // Deepest first: a folder emptied of its folders goes too.
    for (const path of extra.sort((a, b) => b.split('/').length - a.split('/').length || (a < b ? -1 : 1))) {
      if (this.stopping) return;
      await this.requireStillThere(job);
      try {
        if (sides.pulling)
          await this.assets.delete(
            actor,
            { feed, path: await this.assets.resolvePath(feed, path.split('/')) },
            { recursive: false, fileOnly: false },
          );
        else await client.deleteFolder(path);
      } catch (e) {
        const notEmpty =
          (e instanceof AppError && e.code === ErrorCode.FolderNotEmpty) ||
          (e instanceof RemoteError && e.status === 400);
        if (!notEmpty && !this.stopping) await fail(path, e);
      }
    }
  }

  /**
   * `work` on each item, {@link transfers} at a time, in order. After a failure (or on shutdown) no
   * new item starts; those in flight finish, then the first failure is thrown.
   */
  private async eachLimited<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
    let next = 0;
    let failure: { error: unknown } | undefined;
    const worker = async () => {
      while (next < items.length && !failure && !this.stopping) {
        const item = items[next++];
        try {
          await work(item);
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.transfers, items.length)) }, worker));
    if (failure) throw failure.error;
  }

  private async requireStillThere(job: JobRow): Promise<void> {
    if (!(await this.repository.job(job.id))) throw new Error('the job was deleted');
  }

  /**
   * A remote file its listing gives no hash for, of the local file's size: its SHA-1 from the remote's
   * download headers (one HEAD). Without one it stays hashless, and counts as changed.
   */
  private async withRemoteHash(client: RemoteAssetClient, remote: RemoteFile, local: LocalFile): Promise<void> {
    if (remote.sha256 || remote.sha1 || remote.size !== local.size) return;
    remote.sha1 = await client.etagSha1(remote.path).catch(() => undefined);
  }

  /**
   * Every local file (by lower-cased path; only what comparing needs is kept) and folder of the
   * directory, from a streamed listing.
   */
  private async localTree(
    actor: Principal,
    feed: FeedEntity,
  ): Promise<{ files: Map<string, LocalFile>; folders: string[] }> {
    const files = new Map<string, LocalFile>();
    const folders: string[] = [];
    const rows = await this.assets.list(actor, { feed, path: itemPath([]) }, true);
    for await (const row of rows) {
      if (row.kind === 'file') files.set(row.path.toLowerCase(), toLocal(row));
      else folders.push(row.path);
    }
    return { files, folders };
  }

  /**
   * A remote file written here through the one write path (AssetUploadService: hashes, quota, write
   * policy, upload limit), streamed from the remote's answer; then its metadata and cache setting.
   */
  private async pullFile(
    actor: Principal,
    feed: FeedEntity,
    client: RemoteAssetClient,
    file: RemoteFile,
    existing: LocalFile | undefined,
  ): Promise<void> {
    const target: AssetTarget = { feed, path: await this.assets.resolvePath(feed, file.path.split('/')) };
    // Checked before any byte is asked of the remote (a folder in the way, a policy, a bad name).
    await this.uploads.checkWritable(actor, target, 'upsert');
    const download = await client.download(file.path);
    try {
      await this.uploads.upload(actor, target, 'upsert', {
        body: download.body,
        contentType: file.type !== 'dir' ? file.type : download.contentType,
        contentLength: download.contentLength,
      });
    } finally {
      download.body.destroy();
    }
    const had = metadataKey(wireMetadata(existing?.userMetadata ?? null), existing?.cacheHeader);
    const none = metadataKey(undefined, undefined);
    if (metadataKey(file.userMetadata, file.cacheHeader) !== none || (existing && had !== none))
      await this.applyMetadata(actor, feed, file);
  }

  private async applyMetadata(actor: Principal, feed: FeedEntity, file: RemoteFile): Promise<void> {
    const update = parseMetadataUpdate({
      userMetadataUpdateMode: 'replace',
      userMetadata: file.userMetadata ?? {},
      cacheHeader: file.cacheHeader ?? { type: 'Inherit' },
    });
    const target: AssetTarget = { feed, path: await this.assets.resolvePath(feed, file.path.split('/')) };
    await this.assets.updateMetadata(actor, target, update);
  }

  /**
   * A local file streamed from storage to the remote: one POST, or for a large file the chunked
   * protocol (each part a range read of the blob); then its metadata and cache setting when it has
   * any (always after parts: the media type is set explicitly).
   */
  private async pushFile(feed: FeedEntity, client: RemoteAssetClient, file: LocalFile, metadata: boolean) {
    const { blobKey } = file;
    if (blobKey && file.size > this.multipart.aboveBytes) {
      await client.uploadInParts(
        file.path,
        file.size,
        this.multipart.partBytes,
        (start, end) => this.storage.read(feed, blobKey, { start, end }),
        file.mediaType,
      );
      await this.pushMetadata(client, file);
      return;
    }
    const body = blobKey && file.size > 0 ? await this.storage.read(feed, blobKey) : Readable.from([]);
    try {
      await client.upload(file.path, body, { contentType: file.mediaType, contentLength: file.size });
    } finally {
      body.destroy();
    }
    if (metadata) await this.pushMetadata(client, file);
  }

  private pushMetadata(client: RemoteAssetClient, file: LocalFile): Promise<void> {
    return client.setMetadata(file.path, {
      type: file.mediaType,
      userMetadata: wireMetadata(file.userMetadata),
      cacheHeader: file.cacheHeader ?? { type: 'Inherit' },
    });
  }

  // ---- validation ----

  private checkUrl(raw: string): string {
    let url: URL;
    try {
      url = new URL(raw.trim());
    } catch {
      throw badRequest(`"remoteUrl": "${raw}" is not a URL.`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw badRequest('"remoteUrl" must be an http:// or https:// URL.');
    if (url.username || url.password) throw badRequest('"remoteUrl" must not carry credentials: use "apiKey".');
    if (url.search || url.hash) throw badRequest('"remoteUrl" is the server\'s base URL, without a query.');
    return url.href.replace(/\/+$/, '');
  }

  private nextRunOf(job: JobRow): Date | null {
    return nextRun(job.schedule, TIMEZONE, this.clock.now());
  }

  private async requireJob(id: string): Promise<JobRow> {
    const row = /^\d{1,9}$/.test(id) ? await this.repository.job(Number(id)) : null;
    if (!row) throw new AppError(ErrorCode.NotFound, `Replication job #${id} was not found.`);
    return row;
  }
}
