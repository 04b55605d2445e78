import { Location } from '@angular/common';
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ApplicationRef, Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import type { HarnessLoader } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatDialog } from '@angular/material/dialog';
import { MatSlideToggleHarness } from '@angular/material/slide-toggle/testing';
import { MatTabNavBarHarness } from '@angular/material/tabs/testing';
import { provideRouter, Router, withComponentInputBinding, withRouterConfig } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { type Feed, Privilege } from '@stockroom/contracts';
import { AuthStore } from '../../core/auth/auth-store';
import { noMaterialAnimations } from '../../testing/material';
import { ADMIN } from '../../testing/principals';
import { MANAGE_ROUTES } from './manage.routes';

@Component({ template: '<p>elsewhere</p>' })
class Elsewhere {}

const FEED: Feed = {
  name: 'installers',
  feedType: 'asset',
  description: '',
  active: true,
  retentionRules: [{ keepUsedWithinDays: 30 }],
  retentionRulesEnabled: false,
  retentionDryRun: false,
  privileges: Object.values(Privilege),
  fileCount: 0,
  totalBytes: 0,
  storageType: 'disk',
};

describe('ManagePage', () => {
  let backend: HttpTestingController;
  let harness: RouterTestingHarness;
  let router: Router;
  let loader: HarnessLoader;

  async function start(url: string): Promise<void> {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideRouter(
          [
            { path: 'feeds/:feed/manage', loadChildren: () => MANAGE_ROUTES },
            { path: '**', component: Elsewhere },
          ],
          withComponentInputBinding(),
          // As in app.config.ts: a cancelled back keeps the history as it was.
          withRouterConfig({ canceledNavigationResolution: 'computed' }),
        ),
        noMaterialAnimations,
      ],
    });
    backend = TestBed.inject(HttpTestingController);
    router = TestBed.inject(Router);
    const known = TestBed.inject(AuthStore).refresh();
    backend.expectOne('/api/security/me').flush(ADMIN);
    await known;
    // As at start-up: the back and forward buttons navigate.
    router.setUpLocationChangeListener();
    harness = await RouterTestingHarness.create();
    await harness.navigateByUrl(url);
    await settle();
    loader = TestbedHarnessEnvironment.loader(harness.fixture);
  }

  /** Answers what the page and the tab shown ask for. */
  async function answer(): Promise<void> {
    await settle();
    for (const req of backend.match((r) => r.url === '/api/management/feeds/get/installers')) req.flush(FEED);
    for (const req of backend.match((r) => r.url === '/api/storage'))
      if (!req.cancelled) req.flush(req.request.params.has('feed') ? { id: 'disk', properties: {} } : []);
    for (const req of backend.match((r) => r.url === '/api/security/privileges')) req.flush([]);
    for (const req of backend.match('/api/security/roles')) req.flush([]);
    for (const req of backend.match('/api/retention/settings'))
      req.flush({ schedule: '0 3 * * *', timezone: 'UTC', dryRun: false, historyDays: 90 });
    for (const req of backend.match((r) => r.url === '/api/retention/installers/runs')) req.flush([]);
    await settle();
  }

  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve));
    TestBed.tick();
    await TestBed.inject(ApplicationRef).whenStable();
  }

  async function tabBar(): Promise<MatTabNavBarHarness> {
    return loader.getHarness(MatTabNavBarHarness);
  }

  async function activeTab(): Promise<string> {
    return (await (await tabBar()).getActiveLink()).getLabel();
  }

  /** Makes the retention rules editor hold an unsaved change. */
  async function editRules(): Promise<void> {
    await (await loader.getHarness(MatSlideToggleHarness.with({ selector: '[data-testid=rules-enabled]' }))).toggle();
    await settle();
  }

  /**
   * While the guard asks, the navigation is pending and the app never gets stable: the dialog and
   * the links are driven through the DOM (harnesses wait for stability).
   */
  async function tick(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve));
    TestBed.tick();
    await new Promise((resolve) => setTimeout(resolve));
  }

  async function clickTab(tab: string): Promise<void> {
    harness.routeNativeElement?.querySelector<HTMLElement>(`[data-testid=manage-tab-${tab}]`)?.click();
    await tick();
  }

  function dialogs(): HTMLElement[] {
    return Array.from(document.querySelectorAll<HTMLElement>('mat-dialog-container'));
  }

  /** Checks the question and answers it. */
  async function answerDialog(button: 'Cancel' | 'Discard changes'): Promise<void> {
    expect(dialogs()).toHaveLength(1);
    const dialog = dialogs()[0];
    expect(dialog.querySelector('h2')?.textContent?.trim()).toBe('Discard unsaved retention rules?');
    Array.from(dialog.querySelectorAll('button'))
      .find((b) => b.textContent?.trim() === button)
      ?.click();
    await tick();
    await settle();
    expect(dialogs()).toHaveLength(0);
  }

  afterEach(() => {
    backend.verify();
    TestBed.inject(MatDialog).closeAll();
  });

  it('shows the seven tabs, the one of the URL active', async () => {
    await start('/feeds/installers/manage/storage');
    await settle();
    // The directory with its counts: the Settings tab's delete says what would be lost.
    const page = backend.expectOne((r) => r.url === '/api/management/feeds/get/installers');
    expect(page.request.params.get('stats')).toBe('true');
    page.flush(FEED);
    await answer();
    const links = await (await tabBar()).getLinks();
    expect(await Promise.all(links.map((l) => l.getLabel()))).toEqual([
      'Settings',
      'Storage',
      'Connector',
      'Retention',
      'Permissions',
      'Shares',
      'Webhooks',
    ]);
    const hrefs = Array.from(harness.routeNativeElement?.querySelectorAll('[data-testid^=manage-tab-]') ?? []).map(
      (a) => a.getAttribute('href'),
    );
    expect(hrefs).toEqual([
      '/feeds/installers/manage/settings',
      '/feeds/installers/manage/storage',
      '/feeds/installers/manage/connector',
      '/feeds/installers/manage/retention',
      '/feeds/installers/manage/permissions',
      '/feeds/installers/manage/shares',
      '/feeds/installers/manage/webhooks',
    ]);
    expect(await activeTab()).toBe('Storage');
    expect(harness.routeNativeElement?.querySelector('h1')?.textContent).toBe('installers');

    await (await tabBar()).clickLink({ label: 'Permissions' });
    await answer();
    expect(router.url).toBe('/feeds/installers/manage/permissions');
    expect(await activeTab()).toBe('Permissions');
    expect(harness.routeNativeElement?.textContent).toContain('Permissions in this directory');

    await (await tabBar()).clickLink({ label: 'Shares' });
    await settle();
    backend.expectOne('/api/shares?feed=installers').flush([]);
    await settle();
    expect(router.url).toBe('/feeds/installers/manage/shares');
    expect(await activeTab()).toBe('Shares');
    expect(harness.routeNativeElement?.querySelector('[data-testid=shares-empty]')?.textContent).toContain(
      'No share links',
    );
  });

  it('shows the connector and the webhooks of the directory in their tabs', async () => {
    await start('/feeds/installers/manage/connector');
    await answer();
    expect(await activeTab()).toBe('Connector');
    expect(harness.routeNativeElement?.querySelector('[data-testid=connector-none]')?.textContent).toBe(
      'This directory has no connector.',
    );

    await (await tabBar()).clickLink({ label: 'Webhooks' });
    await settle();
    backend.expectOne('/api/webhooks?feed=installers').flush([]);
    await settle();
    expect(router.url).toBe('/feeds/installers/manage/webhooks');
    expect(harness.routeNativeElement?.querySelector('[data-testid=webhooks-empty]')).not.toBeNull();
  });

  it('opens the settings for an unknown tab or none', async () => {
    await start('/feeds/installers/manage/bogus');
    await answer();
    expect(router.url).toBe('/feeds/installers/manage/settings');
    expect(await activeTab()).toBe('Settings');

    await harness.navigateByUrl('/feeds/installers/manage');
    await answer();
    expect(router.url).toBe('/feeds/installers/manage/settings');
  });

  describe('with unsaved retention rules', () => {
    async function openRetention(): Promise<void> {
      await start('/feeds/installers/manage/settings');
      await answer();
      await (await tabBar()).clickLink({ label: 'Retention' });
      await answer();
      expect(router.url).toBe('/feeds/installers/manage/retention');
    }

    it('leaves without asking when nothing changed', async () => {
      await openRetention();
      await (await tabBar()).clickLink({ label: 'Storage' });
      await answer();
      expect(dialogs()).toHaveLength(0);
      expect(router.url).toBe('/feeds/installers/manage/storage');
    });

    it('asks before another tab, stays when cancelled and goes when discarded', async () => {
      await openRetention();
      await editRules();
      await clickTab('permissions');
      await answerDialog('Cancel');
      expect(router.url).toBe('/feeds/installers/manage/retention');
      expect(await activeTab()).toBe('Retention');
      expect(harness.routeNativeElement?.textContent).toContain('Unsaved changes');

      await clickTab('permissions');
      await answerDialog('Discard changes');
      await answer();
      expect(router.url).toBe('/feeds/installers/manage/permissions');
      expect(await activeTab()).toBe('Permissions');
    });

    it('asks before another page', async () => {
      await openRetention();
      await editRules();
      let navigation = router.navigateByUrl('/');
      await tick();
      await answerDialog('Cancel');
      expect(await navigation).toBe(false);
      expect(router.url).toBe('/feeds/installers/manage/retention');

      navigation = router.navigateByUrl('/');
      await tick();
      await answerDialog('Discard changes');
      expect(await navigation).toBe(true);
      expect(router.url).toBe('/');
    });

    it('asks on the back button', async () => {
      await openRetention();
      await editRules();
      TestBed.inject(Location).back();
      await tick();
      await answerDialog('Cancel');
      expect(router.url).toBe('/feeds/installers/manage/retention');
      expect(TestBed.inject(Location).path()).toBe('/feeds/installers/manage/retention');

      TestBed.inject(Location).back();
      await tick();
      await answerDialog('Discard changes');
      await answer();
      expect(router.url).toBe('/feeds/installers/manage/settings');
    });

    it('does not ask once the rules are saved', async () => {
      await openRetention();
      await editRules();
      await (await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid=save-rules]' }))).click();
      const save = backend.expectOne((r) => r.method === 'POST' && r.url === '/api/management/feeds/update/installers');
      save.flush({ ...FEED, retentionRulesEnabled: true });
      await settle();
      await (await tabBar()).clickLink({ label: 'Settings' });
      await answer();
      expect(dialogs()).toHaveLength(0);
      expect(router.url).toBe('/feeds/installers/manage/settings');
    });
  });
});
