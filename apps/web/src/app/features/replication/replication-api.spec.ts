import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { ReplicationJob, ReplicationRun } from '@stockroom/contracts';
import { firstValueFrom } from 'rxjs';
import { ReplicationApi } from './replication-api';

export const JOB: ReplicationJob = {
  id: 'j1',
  feed: 'mirror',
  remoteUrl: 'https://remote.example/',
  remoteFeed: 'releases',
  mode: 'pull',
  apiKey: '********',
  schedule: '',
  deletes: false,
  createdBy: 'Admin',
  createdAt: '2030-01-01T00:00:00Z',
  lastRun: null,
};

export const RUN: ReplicationRun = {
  id: 'r1',
  jobId: 'j1',
  trigger: 'manual',
  state: 'completed',
  startedBy: 'Admin',
  startedAt: '2030-01-01T00:00:00Z',
  finishedAt: '2030-01-01T00:00:05Z',
  comparedFiles: 3,
  copiedFiles: 2,
  deletedFiles: 0,
  skippedFiles: 1,
  failedFiles: 0,
  bytes: 2048,
  resumed: 0,
};

describe('ReplicationApi', () => {
  let api: ReplicationApi;
  let http: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    api = TestBed.inject(ReplicationApi);
    http = TestBed.inject(HttpTestingController);
  });
  afterEach(() => http.verify());

  it('lists, creates and deletes jobs', async () => {
    const list = firstValueFrom(api.list());
    http.expectOne({ method: 'GET', url: '/api/replication' }).flush([JOB]);
    await expect(list).resolves.toEqual([JOB]);

    const request = { feed: 'mirror', remoteUrl: JOB.remoteUrl, remoteFeed: 'releases', mode: 'pull' as const };
    const created = firstValueFrom(api.create(request));
    const post = http.expectOne({ method: 'POST', url: '/api/replication' });
    expect(post.request.body).toEqual(request);
    post.flush(JOB, { status: 201, statusText: 'Created' });
    await expect(created).resolves.toEqual(JOB);

    const deleted = firstValueFrom(api.delete('j1'));
    http
      .expectOne({ method: 'DELETE', url: '/api/replication/j1' })
      .flush(null, { status: 204, statusText: 'No Content' });
    await expect(deleted).resolves.toBeUndefined();
  });

  it('starts a run, lists the runs and reads one with its per-file log', async () => {
    const started = firstValueFrom(api.runNow('j1'));
    http
      .expectOne({ method: 'POST', url: '/api/replication/j1/run' })
      .flush({ ...RUN, state: 'running' }, { status: 202, statusText: 'Accepted' });
    await expect(started).resolves.toMatchObject({ state: 'running' });

    const runs = firstValueFrom(api.runs('j1'));
    http.expectOne({ method: 'GET', url: '/api/replication/j1/runs' }).flush([RUN]);
    await expect(runs).resolves.toEqual([RUN]);

    const one = firstValueFrom(api.run('j1', 'r1'));
    const full = { ...RUN, files: [{ path: 'a.bin', outcome: 'copied' as const, size: 1024 }] };
    http.expectOne({ method: 'GET', url: '/api/replication/j1/runs/r1' }).flush(full);
    await expect(one).resolves.toEqual(full);
  });
});
