import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import type { ComponentFixture } from '@angular/core/testing';
import { TestBed } from '@angular/core/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import type { HarnessLoader } from '@angular/cdk/testing';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatFormFieldHarness } from '@angular/material/form-field/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { MatSlideToggleHarness } from '@angular/material/slide-toggle/testing';
import { provideRouter } from '@angular/router';
import type { RetentionRun, RetentionSettings } from '@stockroom/contracts';
import { noMaterialAnimations } from '../../testing/material';
import { describeCron } from './cron-description';
import { RetentionSettingsPage } from './retention-settings-page';

const SETTINGS: RetentionSettings = {
  schedule: '0 3 * * *',
  timezone: 'UTC',
  dryRun: false,
  historyDays: 90,
  nextRun: '2026-03-02T03:00:00.000Z',
};

const MAINTENANCE: RetentionRun = {
  id: 12,
  kind: 'maintenance',
  trigger: 'scheduled',
  dryRun: false,
  state: 'completed',
  startedBy: 'scheduler',
  startedAt: '2026-03-01T03:00:00.000Z',
  finishedAt: '2026-03-01T03:00:01.000Z',
  selectedFiles: 0,
  selectedBytes: 0,
  handledFiles: 0,
  deletedFiles: 0,
  freedBytes: 0,
  skippedFiles: 0,
  foldersRemoved: 0,
  resumed: 0,
  details: { abandonedUploads: 1, unknownUploads: 0, orphanBlobs: 2 },
};

describe('RetentionSettingsPage', () => {
  let fixture: ComponentFixture<RetentionSettingsPage>;
  let loader: HarnessLoader;
  let backend: HttpTestingController;
  let el: HTMLElement;

  async function open(): Promise<void> {
    fixture = TestBed.createComponent(RetentionSettingsPage);
    el = fixture.nativeElement as HTMLElement;
    loader = TestbedHarnessEnvironment.loader(fixture);
    fixture.detectChanges();
    backend.expectOne('/api/retention/settings').flush(SETTINGS);
    backend
      .expectOne((r) => r.url === '/api/retention/runs' && r.params.get('limit') === '50')
      .flush([
        MAINTENANCE,
        {
          ...MAINTENANCE,
          id: 11,
          kind: 'retention',
          directory: 'builds',
          trigger: 'manual',
          dryRun: true,
          details: undefined,
        },
      ]);
    await fixture.whenStable();
  }

  async function schedule(): Promise<MatInputHarness> {
    return loader.getHarness(MatInputHarness.with({ selector: '[data-testid="retention-schedule"]' }));
  }

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([]), noMaterialAnimations],
    });
    backend = TestBed.inject(HttpTestingController);
  });

  afterEach(() => backend.verify());

  it('shows the settings with a reading of the schedule, the next run and every run', async () => {
    await open();
    expect(await (await schedule()).getValue()).toBe('0 3 * * *');
    expect(el.querySelector('[data-testid="schedule-hint"]')?.textContent).toContain('Every day at 03:00.');
    expect(el.querySelector('[data-testid="next-run"]')?.textContent).toContain('Next scheduled run');
    const rows = el.querySelectorAll('[data-testid="run-row"]');
    expect(rows).toHaveLength(2);
    expect(rows[0].textContent).toContain('maintenance');
    expect(rows[0].textContent).toContain('orphanBlobs: 2');
    expect(rows[1].textContent).toContain('builds');
    expect(rows[1].textContent).toContain('dry run');
  });

  it('saves all four fields and shows the answer', async () => {
    await open();
    await (await schedule()).setValue('30 2 * * 1-5');
    expect(el.querySelector('[data-testid="schedule-hint"]')?.textContent).toContain(
      'Every Monday to Friday at 02:30.',
    );
    await (
      await loader.getHarness(MatSlideToggleHarness.with({ selector: '[data-testid="retention-dry-run"]' }))
    ).check();
    const history = await (
      await loader.getHarness(MatFormFieldHarness.with({ floatingLabelText: 'Keep history' }))
    ).getControl(MatInputHarness);
    await history?.setValue('30');
    await (
      await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid="save-retention-settings"]' }))
    ).click();
    const req = backend.expectOne('/api/retention/settings');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({ schedule: '30 2 * * 1-5', timezone: 'UTC', dryRun: true, historyDays: 30 });
    req.flush({ ...req.request.body, nextRun: '2026-03-02T02:30:00.000Z' });
    await fixture.whenStable();
    expect(el.querySelector('[data-testid="settings-error"]')).toBeNull();
  });

  it("shows the server's 400 for a bad cron expression", async () => {
    await open();
    await (await schedule()).setValue('61 * * * *');
    await (
      await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid="save-retention-settings"]' }))
    ).click();
    const message = '"schedule": CronPattern: Invalid value for minute: 61';
    backend
      .expectOne('/api/retention/settings')
      .flush({ code: 'bad_request', message }, { status: 400, statusText: 'Bad Request' });
    await fixture.whenStable();
    expect(el.querySelector('[data-testid="settings-error"]')?.textContent).toContain(message);
    expect(await (await schedule()).getValue()).toBe('61 * * * *');
  });
});

describe('describeCron', () => {
  it.each([
    ['', 'No scheduled runs.'],
    ['0 3 * * *', 'Every day at 03:00.'],
    ['15 4 * * 0', 'Every Sunday at 04:15.'],
    ['0 1 1 * *', 'On day 1 of the month at 01:00.'],
    ['*/10 * * * *', 'Every 10 minutes, every day.'],
    ['* * * * *', 'Every minute, every day.'],
    ['@daily', 'Every day at 00:00.'],
    ['0 0 3 * * *', 'Every day at 03:00.'],
    ['5 4 1-7 * 1', 'minute 5, hour 4, day of month 1-7, month *, weekday 1.'],
  ])('%s → %s', (expression, text) => {
    expect(describeCron(expression)).toBe(text);
  });
});
