import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import type { ComponentFixture } from '@angular/core/testing';
import { TestBed } from '@angular/core/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { type HarnessLoader, TestKey } from '@angular/cdk/testing';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatCheckboxHarness } from '@angular/material/checkbox/testing';
import { MatChipGridHarness } from '@angular/material/chips/testing';
import { MatFormFieldHarness } from '@angular/material/form-field/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { MatSlideToggleHarness } from '@angular/material/slide-toggle/testing';
import { provideRouter } from '@angular/router';
import type { Feed } from '@stockroom/contracts';
import { noMaterialAnimations } from '../../testing/material';
import { RetentionRulesEditor } from './retention-rules-editor';
import { feedOf } from './retention-testing';

describe('RetentionRulesEditor', () => {
  let fixture: ComponentFixture<RetentionRulesEditor>;
  let loader: HarnessLoader;
  let backend: HttpTestingController;
  let el: HTMLElement;

  async function open(feed: Feed = feedOf()): Promise<void> {
    fixture = TestBed.createComponent(RetentionRulesEditor);
    fixture.componentRef.setInput('feed', 'builds');
    el = fixture.nativeElement as HTMLElement;
    loader = TestbedHarnessEnvironment.loader(fixture);
    fixture.detectChanges();
    backend.expectOne('/api/management/feeds/get/builds').flush(feed);
    await fixture.whenStable();
  }

  const card = (i: number) => `[data-rule-index="${i}"]`;

  async function field(rule: number, label: string): Promise<MatFormFieldHarness> {
    return loader.getHarness(MatFormFieldHarness.with({ ancestor: card(rule), floatingLabelText: label }));
  }

  async function type(rule: number, label: string, value: string): Promise<void> {
    const input = await (await field(rule, label)).getControl(MatInputHarness);
    if (!input) throw new Error(`no input ${label}`);
    await input.setValue(value);
    await input.blur();
  }

  async function addPatterns(rule: number, which: 'Delete' | 'Never delete', ...patterns: string[]): Promise<void> {
    const label = which === 'Delete' ? 'Delete patterns' : 'Keep patterns';
    const grid = await loader.getHarness(
      MatChipGridHarness.with({ ancestor: card(rule), selector: `[aria-label="${label} of rule ${rule + 1}"]` }),
    );
    const input = await grid.getInput();
    for (const p of patterns) {
      await input?.setValue(p);
      await input?.sendSeparatorKey(TestKey.ENTER);
    }
  }

  async function click(testid: string): Promise<void> {
    await (await loader.getHarness(MatButtonHarness.with({ selector: `[data-testid="${testid}"]` }))).click();
  }

  async function errors(rule: number, label: string): Promise<string[]> {
    return (await field(rule, label)).getTextErrors();
  }

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([]), noMaterialAnimations],
    });
    backend = TestBed.inject(HttpTestingController);
  });

  afterEach(() => backend.verify());

  it('shows the saved rules and switches, normalised from any field case', async () => {
    await open(
      feedOf({
        retentionRulesEnabled: true,
        retentionDryRun: true,
        retentionRules: [
          { deletePackageIds: ['*.zip'], keepUsedWithinDays: 30, triggerDownloadCount: 5 },
          { KeepLatestCount: 3, DeleteOlderThanDays: 7 },
        ],
      }),
    );
    expect(el.querySelectorAll('[data-testid="rule-card"]')).toHaveLength(2);
    const enabled = await loader.getHarness(MatSlideToggleHarness.with({ selector: '[data-testid="rules-enabled"]' }));
    const dry = await loader.getHarness(MatSlideToggleHarness.with({ selector: '[data-testid="rules-dry-run"]' }));
    expect(await enabled.isChecked()).toBe(true);
    expect(await dry.isChecked()).toBe(true);
    const used = await (await field(0, 'Keep files used within')).getControl(MatInputHarness);
    expect(await used?.getValue()).toBe('30');
    const latest = await (await field(1, 'Keep the latest per folder')).getControl(MatInputHarness);
    expect(await latest?.getValue()).toBe('3');
    expect(el.querySelector(card(0))?.textContent).toContain('*.zip');
    expect(el.querySelector(card(0) + ' .summary')?.textContent).toContain(
      'Delete files matching "*.zip" not used within 30 days, downloaded at most 5 times',
    );
    // Nothing changed yet: nothing to save.
    expect(
      await (await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid="save-rules"]' }))).isDisabled(),
    ).toBe(true);
  });

  it("checks fields as they are typed, with the server's rules", async () => {
    await open();
    await click('add-rule');
    await type(0, 'Keep files used within', '-1');
    expect(await errors(0, 'Keep files used within')).toEqual(['Must be a whole number of days (0 or more).']);
    await type(0, 'Keep files used within', '1.5');
    expect(await errors(0, 'Keep files used within')).toEqual(['Must be a whole number of days (0 or more).']);
    await type(0, 'Keep files used within', '40000');
    expect(await errors(0, 'Keep files used within')).toEqual(['Must be at most 36500 (100 years).']);
    await type(0, 'Keep files used within', '30');
    expect(await errors(0, 'Keep files used within')).toEqual([]);
    await type(0, 'Keep the latest per folder', '0');
    expect(await errors(0, 'Keep the latest per folder')).toEqual(['Must be a whole number of files (1 or more).']);
    await type(0, 'Size quota', 'ten');
    expect(await errors(0, 'Size quota')).toEqual(['Must be a whole number of KiB (1 or more).']);
    await type(0, 'Downloaded at most', '0');
    expect(await errors(0, 'Downloaded at most')).toEqual([]);

    await addPatterns(0, 'Delete', 'a//b');
    expect(await errors(0, 'Delete only files matching')).toEqual(['"a//b" contains an empty folder name ("//").']);

    await click('save-rules');
    backend.expectNone('/api/management/feeds/update/builds');
    expect(el.textContent).toContain('Fix the marked fields to save.');
  });

  it('refuses a rule without a condition before calling the server', async () => {
    await open();
    await click('add-rule');
    // Keep patterns and the exclusive switch alone select nothing.
    await addPatterns(0, 'Never delete', 'releases/**');
    await click('save-rules');
    backend.expectNone('/api/management/feeds/update/builds');
    expect(el.querySelector(card(0) + ' .condition-error')?.textContent).toContain(
      'This rule has no condition: it would delete every file.',
    );
    await type(0, 'Delete files older than', '7');
    expect(el.querySelector(card(0) + ' .condition-error')).toBeNull();
  });

  it('saves exactly the JSON the server expects, in order, with the switches', async () => {
    await open(feedOf({ retentionRules: [{ deleteOlderThanDays: 7 }] }));
    await click('add-rule');
    await addPatterns(1, 'Delete', 'builds/**/*.zip', '*.tmp, *.log');
    await addPatterns(1, 'Never delete', 'builds/release/**');
    await type(1, 'Keep files used within', '30');
    await type(1, 'Downloaded at most', '0');
    await type(1, 'Keep the latest per folder', '2');
    await type(1, 'Size quota', '1048576');
    await (await loader.getHarness(MatCheckboxHarness.with({ ancestor: card(1) }))).check();
    // A checked "exclusive" without a quota is not sent (the server drops it too).
    await (await loader.getHarness(MatCheckboxHarness.with({ ancestor: card(0) }))).check();
    // The new rule goes first.
    await (await loader.getHarness(MatButtonHarness.with({ selector: `${card(1)} [data-move="up"]` }))).click();
    await (await loader.getHarness(MatSlideToggleHarness.with({ selector: '[data-testid="rules-enabled"]' }))).check();
    await (await loader.getHarness(MatSlideToggleHarness.with({ selector: '[data-testid="rules-dry-run"]' }))).check();
    expect(el.textContent).toContain('Unsaved changes');

    await click('save-rules');
    const req = backend.expectOne('/api/management/feeds/update/builds');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({
      retentionRules: [
        {
          deletePackageIds: ['builds/**/*.zip', '*.tmp', '*.log'],
          keepPackageIds: ['builds/release/**'],
          keepUsedWithinDays: 30,
          triggerDownloadCount: 0,
          keepLatestCount: 2,
          sizeTriggerKb: 1048576,
          sizeExclusive: true,
        },
        { deleteOlderThanDays: 7 },
      ],
      retentionRulesEnabled: true,
      retentionDryRun: true,
    });
    req.flush(
      feedOf({
        retentionRules: req.request.body.retentionRules,
        retentionRulesEnabled: true,
        retentionDryRun: true,
      }),
    );
    await fixture.whenStable();
    expect(el.textContent).not.toContain('Unsaved changes');
    expect(el.querySelectorAll('[data-testid="rule-card"]')).toHaveLength(2);
  });

  it("shows the server's 400 next to the rule it names", async () => {
    await open(feedOf({ retentionRules: [{ deleteOlderThanDays: 7 }] }));
    await click('add-rule');
    await addPatterns(1, 'Delete', 'setup [x64].exe');
    await click('save-rules');
    const message = 'retentionRules[1].deletePackageIds[0] ("setup [x64].exe") is refused by a newer server rule.';
    backend
      .expectOne('/api/management/feeds/update/builds')
      .flush({ code: 'bad_request', message }, { status: 400, statusText: 'Bad Request' });
    await fixture.whenStable();
    expect(el.querySelector(card(1) + ' [data-testid="rule-server-error"]')?.textContent).toContain(message);
    expect(el.querySelector(card(0) + ' [data-testid="rule-server-error"]')).toBeNull();
    // Still unsaved, so it can be fixed and saved again.
    expect(el.textContent).toContain('Unsaved changes');
  });

  it('removes a rule and discards changes back to the saved rules', async () => {
    await open(feedOf({ retentionRules: [{ deleteOlderThanDays: 7 }, { keepUsedWithinDays: 3 }] }));
    await (
      await loader.getHarness(MatButtonHarness.with({ selector: `${card(0)} [data-testid="remove-rule"]` }))
    ).click();
    expect(el.querySelectorAll('[data-testid="rule-card"]')).toHaveLength(1);
    await click('discard-rules');
    expect(el.querySelectorAll('[data-testid="rule-card"]')).toHaveLength(2);
    expect(el.textContent).not.toContain('Unsaved changes');
  });

  it('shows a load failure with a retry', async () => {
    fixture = TestBed.createComponent(RetentionRulesEditor);
    fixture.componentRef.setInput('feed', 'builds');
    el = fixture.nativeElement as HTMLElement;
    fixture.detectChanges();
    backend
      .expectOne('/api/management/feeds/get/builds')
      .flush({ code: 'forbidden', message: 'You may not manage "builds".' }, { status: 403, statusText: 'Forbidden' });
    await fixture.whenStable();
    expect(el.querySelector('[role=alert]')?.textContent).toContain('You may not manage "builds".');
  });
});
