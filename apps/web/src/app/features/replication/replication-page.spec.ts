import type { HarnessLoader } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ApplicationRef } from '@angular/core';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatCheckboxHarness } from '@angular/material/checkbox/testing';
import { MatDialog } from '@angular/material/dialog';
import { MatDialogHarness } from '@angular/material/dialog/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { MatRadioButtonHarness } from '@angular/material/radio/testing';
import { provideRouter } from '@angular/router';
import type { Feed, ReplicationJob, ReplicationRun } from '@stockroom/contracts';
import { noMaterialAnimations } from '../../testing/material';
import { JOB, RUN } from './replication-api.spec';
import { REPLICATION_POLL_INTERVAL, ReplicationPage } from './replication-page';

const FEED = { name: 'mirror', feedType: 'asset' } as Feed;

describe('ReplicationPage', () => {
  let backend: HttpTestingController;
  let fixture: ComponentFixture<ReplicationPage>;
  let loader: HarnessLoader;
  let root: HarnessLoader;

  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve));
    TestBed.tick();
    await TestBed.inject(ApplicationRef).whenStable();
  }

  async function open(jobs: ReplicationJob[]): Promise<void> {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideRouter([]),
        noMaterialAnimations,
        { provide: REPLICATION_POLL_INTERVAL, useValue: 1 },
      ],
    });
    backend = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(ReplicationPage);
    loader = TestbedHarnessEnvironment.loader(fixture);
    root = TestbedHarnessEnvironment.documentRootLoader(fixture);
    await settle();
    backend.expectOne('/api/replication').flush(jobs);
    await settle();
  }

  const rows = () => Array.from(document.querySelectorAll<HTMLElement>('[data-testid=replication-row]'));
  const button = (testId: string) => loader.getHarness(MatButtonHarness.with({ selector: `[data-testid=${testId}]` }));

  afterEach(() => {
    backend.verify();
    TestBed.inject(MatDialog).closeAll();
    fixture?.destroy();
  });

  it('lists the jobs with remote, mode, schedule and last run', async () => {
    await open([
      { ...JOB, schedule: '0 * * * *', nextRun: '2030-01-01T01:00:00Z', lastRun: RUN },
      { ...JOB, id: 'j2', feed: 'outbox', mode: 'push', deletes: true },
    ]);
    expect(rows().map((r) => [r.dataset['feed'], r.dataset['lastRun']])).toEqual([
      ['mirror', 'completed'],
      ['outbox', 'none'],
    ]);
    const first = rows()[0].textContent?.replace(/\s+/g, ' ') ?? '';
    expect(first).toContain('https://remote.example/');
    expect(first).toContain('directory releases');
    expect(first).toContain('← pull');
    expect(first).toContain('0 * * * *');
    expect(first).toContain('Completed');
    expect(first).toContain('2 copied, 0 deleted, 0 failed');
    const second = rows()[1].textContent?.replace(/\s+/g, ' ') ?? '';
    expect(second).toContain('→ push');
    expect(second).toContain('deletes');
    expect(second).toContain('On demand');
    expect(second).toContain('Never');
  });

  it('creates a job in the dialog; a mirror always deletes', async () => {
    await open([]);
    expect(document.querySelector('[data-testid=replication-empty]')).not.toBeNull();
    await (await button('replication-new')).click();
    backend.expectOne('/api/management/feeds/list').flush([FEED]);
    await settle();
    const dialog = await root.getHarness(MatDialogHarness);
    const field = (id: string) => dialog.getHarness(MatInputHarness.with({ selector: `[data-testid=${id}]` }));
    await (await field('replication-remote-url')).setValue('https://remote.example/');
    await (await field('replication-remote-feed')).setValue('releases');
    await (await dialog.getHarness(MatRadioButtonHarness.with({ label: 'Mirror' }))).check();
    const deletes = await dialog.getHarness(MatCheckboxHarness.with({ selector: '[data-testid=replication-deletes]' }));
    expect(await deletes.isChecked()).toBe(true);
    expect(await deletes.isDisabled()).toBe(true);
    await (await field('replication-api-key')).setValue('remote-key');
    await (await field('replication-schedule')).setValue('@daily');
    expect(document.querySelector('[data-testid=replication-schedule-hint]')?.textContent).toContain(
      'Every day at 00:00.',
    );
    await (await dialog.getHarness(MatButtonHarness.with({ text: 'Create' }))).click();
    const req = backend.expectOne({ method: 'POST', url: '/api/replication' });
    // The only directory is chosen already.
    expect(req.request.body).toEqual({
      feed: 'mirror',
      remoteUrl: 'https://remote.example/',
      remoteFeed: 'releases',
      mode: 'mirror',
      apiKey: 'remote-key',
      schedule: '@daily',
      deletes: true,
    });
    req.flush({ ...JOB, mode: 'mirror' }, { status: 201, statusText: 'Created' });
    await settle();
    backend.expectOne('/api/replication').flush([{ ...JOB, mode: 'mirror' }]);
    await settle();
    expect(rows().length).toBe(1);
  });

  it('runs a job now and follows the run until it ends', async () => {
    await open([JOB]);
    await (await button('replication-run')).click();
    const running: ReplicationRun = { ...RUN, state: 'running', copiedFiles: 0, finishedAt: undefined };
    backend.expectOne({ method: 'POST', url: '/api/replication/j1/run' }).flush(running);
    await settle();
    expect(rows()[0].dataset['lastRun']).toBe('running');
    expect(await (await button('replication-run')).getText()).toBe('Running…');
    await new Promise((resolve) => setTimeout(resolve, 5));
    backend.expectOne('/api/replication/j1/runs/r1').flush(RUN);
    await settle();
    backend.expectOne('/api/replication').flush([{ ...JOB, lastRun: RUN }]);
    await settle();
    expect(rows()[0].dataset['lastRun']).toBe('completed');
  });

  it("shows a job's runs and one run's counts, error and per-file log", async () => {
    await open([JOB]);
    await (await button('replication-runs')).click();
    const failed: ReplicationRun = {
      ...RUN,
      id: 'r2',
      state: 'failed',
      failedFiles: 1,
      error: 'The remote answered 401.',
    };
    backend.expectOne('/api/replication/j1/runs').flush([failed, RUN]);
    await settle();
    const runRows = Array.from(document.querySelectorAll<HTMLElement>('[data-testid=run-row]'));
    expect(runRows.map((r) => r.dataset['state'])).toEqual(['failed', 'completed']);
    const dialog = await root.getHarness(MatDialogHarness);
    await (
      await dialog.getHarness(MatButtonHarness.with({ selector: '[data-id=r2] [data-testid=run-details]' }))
    ).click();
    backend.expectOne('/api/replication/j1/runs/r2').flush({
      ...failed,
      files: [
        { path: 'a.bin', outcome: 'copied', size: 1024 },
        { path: 'b.bin', outcome: 'failed', size: 10, reason: 'The remote answered 401.' },
      ],
    });
    await settle();
    expect(document.querySelector('[data-testid=run-counts]')?.textContent?.replace(/\s+/g, ' ').trim()).toBe(
      '3 compared, 2 copied, 0 deleted, 1 unchanged, 1 failed',
    );
    expect(document.querySelector('[data-testid=run-error]')?.textContent).toBe('The remote answered 401.');
    const files = Array.from(document.querySelectorAll<HTMLElement>('[data-testid=run-file]')).map((r) => [
      r.dataset['path'],
      r.dataset['outcome'],
      r.querySelectorAll('td')[3].textContent,
    ]);
    expect(files).toEqual([
      ['a.bin', 'copied', ''],
      ['b.bin', 'failed', 'The remote answered 401.'],
    ]);
  });

  it('deletes a job after a confirmation', async () => {
    await open([JOB]);
    await (await button('replication-delete')).click();
    const confirm = await root.getHarness(MatDialogHarness);
    expect(await (await confirm.host()).text()).toContain('mirror ← https://remote.example/ (releases), pull');
    await (await confirm.getHarness(MatButtonHarness.with({ text: 'Delete' }))).click();
    await settle();
    backend
      .expectOne({ method: 'DELETE', url: '/api/replication/j1' })
      .flush(null, { status: 204, statusText: 'No Content' });
    await settle();
    backend.expectOne('/api/replication').flush([]);
  });
});
