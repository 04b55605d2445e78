import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import type { ComponentFixture } from '@angular/core/testing';
import { TestBed } from '@angular/core/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import type { HarnessLoader } from '@angular/cdk/testing';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatDialogHarness } from '@angular/material/dialog/testing';
import { MatPaginatorHarness } from '@angular/material/paginator/testing';
import { MatProgressBarHarness } from '@angular/material/progress-bar/testing';
import { provideRouter } from '@angular/router';
import type { RetentionFile, RetentionPreview, RetentionRun, RetentionSettings } from '@stockroom/contracts';
import { noMaterialAnimations } from '../../testing/material';
import { RetentionPanel } from './retention-panel';
import { feedOf } from './retention-testing';
import { RUN_POLL_INTERVAL } from './run-progress';

const SETTINGS: RetentionSettings = { schedule: '0 3 * * *', timezone: 'UTC', dryRun: false, historyDays: 90 };
const PREVIEW_ID = '3f1c2a7e-9d4b-4c1e-8a2b-1234567890ab';

function file(i: number): RetentionFile {
  return {
    path: `builds/1.${i}/app.zip`,
    size: 1024,
    created: '2026-01-01T00:00:00.000Z',
    modified: '2026-01-01T00:00:00.000Z',
    downloadCount: i % 3,
    ...(i % 3 ? { lastDownloaded: '2026-02-01T00:00:00.000Z' } : {}),
    rule: 1 + (i % 2),
    reason: `last used 2026-01-01 (never downloaded): no download or change within 30 days #${i}`,
  };
}

function previewOf(offset: number, count: number, total = 120): RetentionPreview {
  return {
    id: PREVIEW_ID,
    directory: 'builds',
    createdAt: '2026-03-01T00:00:00.000Z',
    createdBy: 'Admin',
    evaluatedAt: '2026-03-01T00:00:00.000Z',
    rules: [],
    totals: {
      files: total,
      bytes: total * 1024,
      scannedFiles: 1000,
      scannedBytes: 1000 * 1024,
      perRule: [
        { rule: 1, files: 60, bytes: 60 * 1024 },
        { rule: 2, files: 60, bytes: 60 * 1024 },
      ],
    },
    offset,
    files: Array.from({ length: count }, (_, i) => file(offset + i)),
  };
}

function runOf(overrides: Partial<RetentionRun> = {}): RetentionRun {
  return {
    id: 7,
    kind: 'retention',
    directory: 'builds',
    trigger: 'apply',
    dryRun: false,
    state: 'running',
    startedBy: 'Admin',
    startedAt: '2026-03-01T00:01:00.000Z',
    previewId: PREVIEW_ID,
    selectedFiles: 120,
    selectedBytes: 120 * 1024,
    handledFiles: 0,
    deletedFiles: 0,
    freedBytes: 0,
    skippedFiles: 0,
    foldersRemoved: 0,
    resumed: 0,
    ...overrides,
  };
}

describe('RetentionPanel', () => {
  let fixture: ComponentFixture<RetentionPanel>;
  let loader: HarnessLoader;
  let root: HarnessLoader;
  let backend: HttpTestingController;
  let el: HTMLElement;

  const wait = (ms = 20) => new Promise((resolve) => setTimeout(resolve, ms));

  async function open(runs: RetentionRun[] = []): Promise<void> {
    fixture = TestBed.createComponent(RetentionPanel);
    fixture.componentRef.setInput('feed', 'builds');
    el = fixture.nativeElement as HTMLElement;
    loader = TestbedHarnessEnvironment.loader(fixture);
    root = TestbedHarnessEnvironment.documentRootLoader(fixture);
    fixture.detectChanges();
    await fixture.whenStable();
    backend
      .expectOne('/api/management/feeds/get/builds')
      .flush(feedOf({ retentionRules: [{ keepUsedWithinDays: 30 }] }));
    backend.expectOne('/api/retention/settings').flush(SETTINGS);
    const history = backend.expectOne((r) => r.url === '/api/retention/builds/runs');
    expect(history.request.params.get('limit')).toBe('20');
    history.flush(runs);
    await fixture.whenStable();
  }

  async function click(testid: string): Promise<void> {
    await (await loader.getHarness(MatButtonHarness.with({ selector: `[data-testid="${testid}"]` }))).click();
  }

  async function showPreview(): Promise<void> {
    await click('preview');
    const req = backend.expectOne((r) => r.url === '/api/retention/builds/preview');
    expect(req.request.method).toBe('POST');
    expect(req.request.params.get('offset')).toBe('0');
    expect(req.request.params.get('limit')).toBe('50');
    req.flush(previewOf(0, 50));
    await fixture.whenStable();
  }

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideRouter([]),
        noMaterialAnimations,
        { provide: RUN_POLL_INTERVAL, useValue: 1 },
      ],
    });
    backend = TestBed.inject(HttpTestingController);
  });

  afterEach(() => backend.verify());

  it('previews: totals per rule and a page of rows, then the next page from the server', async () => {
    await open();
    await showPreview();
    const totals = el.querySelector('[data-testid="preview-totals"]')?.textContent?.replace(/\s+/g, ' ');
    expect(totals).toContain('120 files selected, 120 KiB');
    expect(totals).toContain('of 1000 files (1000 KiB) checked');
    expect(totals).toContain('Rule 1: 60 files, 60.0 KiB');
    expect(totals).toContain('Rule 2: 60 files, 60.0 KiB');
    const rows = el.querySelectorAll('[data-testid="preview-row"]');
    expect(rows).toHaveLength(50);
    expect(rows[0].textContent).toContain('builds/1.0/app.zip');
    expect(rows[0].textContent).toContain('never');
    expect(rows[0].textContent).toContain('no download or change within 30 days #0');
    expect(rows[1].textContent).toContain('1.00 KiB');

    const paginator = await loader.getHarness(MatPaginatorHarness);
    expect(await paginator.getRangeLabel()).toBe('1 – 50 of 120');
    await paginator.goToNextPage();
    const page = backend.expectOne((r) => r.url === `/api/retention/previews/${PREVIEW_ID}`);
    expect(page.request.params.get('offset')).toBe('50');
    expect(page.request.params.get('limit')).toBe('50');
    page.flush(previewOf(50, 50));
    await fixture.whenStable();
    expect(el.querySelector('[data-testid="preview-row"]')?.textContent).toContain('builds/1.50/app.zip');
  });

  it('applies the preview after a confirmation naming count and size, and follows the run to the end', async () => {
    await open();
    await showPreview();
    await click('apply-preview');
    const dialog = await root.getHarness(MatDialogHarness);
    const text = await dialog.getText();
    expect(text).toContain('120 files');
    expect(text).toContain('120 KiB');
    await (await root.getHarness(MatButtonHarness.with({ selector: '[data-testid="confirm"]' }))).click();
    await fixture.whenStable();

    const apply = backend.expectOne('/api/retention/builds/apply');
    expect(apply.request.method).toBe('POST');
    expect(apply.request.body).toEqual({ previewId: PREVIEW_ID });
    apply.flush(runOf(), { status: 202, statusText: 'Accepted' });
    await fixture.whenStable();
    expect(el.querySelector('[data-testid="run-progress"]')?.textContent).toContain('0 of 120 files handled');
    expect(el.querySelectorAll('[data-testid="run-row"]')).toHaveLength(1);

    await wait();
    let poll = backend.expectOne((r) => r.url === '/api/retention/runs/7');
    expect(poll.request.params.get('limit')).toBe('0'); // counters only, not the 100,000-line log
    poll.flush(runOf({ handledFiles: 60, deletedFiles: 60, freedBytes: 60 * 1024 }));
    await fixture.whenStable();
    const bar = await loader.getHarness(MatProgressBarHarness.with({ ancestor: '[data-testid="run-progress"]' }));
    expect(await bar.getValue()).toBe(50);

    await wait();
    poll = backend.expectOne((r) => r.url === '/api/retention/runs/7');
    const done = runOf({
      state: 'completed',
      finishedAt: '2026-03-01T00:02:00.000Z',
      handledFiles: 120,
      deletedFiles: 118,
      skippedFiles: 2,
      freedBytes: 118 * 1024,
    });
    poll.flush(done);
    await fixture.whenStable();
    const progress = el.querySelector('[data-testid="run-progress"]')?.textContent?.replace(/\s+/g, ' ');
    expect(progress).toContain('completed');
    expect(progress).toContain('deleted 118');
    expect(progress).toContain('skipped 2');
    expect(progress).toContain('118 KiB freed');
    // The history is read again, and polling stopped.
    backend.expectOne((r) => r.url === '/api/retention/builds/runs').flush([done]);
    await wait();
    backend.expectNone((r) => r.url === '/api/retention/runs/7');
    await fixture.whenStable();
    expect(el.querySelector('[data-testid="run-row"]')?.textContent).toContain('118 / 2');
    expect(el.textContent).toContain('Applied by run #7');
    expect(
      await (
        await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid="apply-preview"]' }))
      ).isDisabled(),
    ).toBe(true);
  });

  it('does nothing when the confirmation is cancelled', async () => {
    await open();
    await showPreview();
    await click('apply-preview');
    await (
      await (await root.getHarness(MatDialogHarness)).getHarness(MatButtonHarness.with({ text: 'Cancel' }))
    ).click();
    await fixture.whenStable();
    backend.expectNone('/api/retention/builds/apply');
  });

  it("shows the server's 409 when a run is in progress", async () => {
    await open();
    await click('run-now');
    const run = backend.expectOne((r) => r.url === '/api/retention/builds/run');
    expect(run.request.params.has('dryRun')).toBe(false);
    const message = 'A retention run of "builds" is in progress: see GET /api/retention/builds/runs.';
    run.flush({ code: 'conflict', message }, { status: 409, statusText: 'Conflict' });
    await fixture.whenStable();
    expect(el.querySelector('[data-testid="action-error"]')?.textContent).toContain(message);
    backend.expectOne((r) => r.url === '/api/retention/builds/runs').flush([runOf({ trigger: 'manual' })]);
  });

  it('runs now as a dry run when asked and follows it', async () => {
    await open();
    (el.querySelector('[data-testid="run-now-dry-run"] input') as HTMLInputElement).click();
    await fixture.whenStable();
    await click('run-now');
    const req = backend.expectOne((r) => r.url === '/api/retention/builds/run');
    expect(req.request.params.get('dryRun')).toBe('true');
    req.flush(runOf({ trigger: 'manual', dryRun: true, selectedFiles: 0, previewId: undefined }), {
      status: 202,
      statusText: 'Accepted',
    });
    await fixture.whenStable();
    expect(el.querySelector('[data-testid="run-progress"]')?.textContent).toContain('selecting files');
    await wait();
    backend
      .expectOne((r) => r.url === '/api/retention/runs/7')
      .flush(runOf({ trigger: 'manual', dryRun: true, state: 'completed', selectedFiles: 3, handledFiles: 3 }));
    await fixture.whenStable();
    expect(el.querySelector('[data-testid="run-progress"]')?.textContent).toContain('would delete 3');
    backend.expectOne((r) => r.url === '/api/retention/builds/runs').flush([]);
  });

  it("opens a run's per-file log, paged by the server", async () => {
    const finished = runOf({ state: 'completed', handledFiles: 120, deletedFiles: 119, skippedFiles: 1 });
    await open([finished]);
    await (await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid="open-run"]' }))).click();
    const req = backend.expectOne((r) => r.url === '/api/retention/runs/7');
    expect(req.request.params.get('offset')).toBe('0');
    expect(req.request.params.get('limit')).toBe('50');
    req.flush({
      ...finished,
      files: [
        { ...file(0), outcome: 'deleted' },
        { ...file(1), outcome: 'skipped', note: 'changed since the preview' },
      ],
    });
    await fixture.whenStable();
    const rows = document.querySelectorAll('[data-testid="run-log-row"]');
    expect(rows).toHaveLength(2);
    expect(rows[1].textContent).toContain('skipped');
    expect(rows[1].textContent).toContain('changed since the preview');
    const paginator = await root.getHarness(MatPaginatorHarness.with({ ancestor: '[data-testid="run-log"]' }));
    await paginator.goToNextPage();
    const next = backend.expectOne((r) => r.url === '/api/retention/runs/7');
    expect(next.request.params.get('offset')).toBe('50');
    next.flush({ ...finished, files: [] });
    await (await root.getHarness(MatDialogHarness)).close();
  });

  it('says previews and runs use the saved rules while there are unsaved changes', async () => {
    await open();
    await click('add-rule');
    expect(el.textContent).toContain('Save or discard your rule changes first');
    expect(
      await (await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid="preview"]' }))).isDisabled(),
    ).toBe(true);
  });
});
