import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ApplicationRef, Component, signal } from '@angular/core';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import type { HarnessLoader } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatCheckboxHarness } from '@angular/material/checkbox/testing';
import { MatDialog } from '@angular/material/dialog';
import { MatDialogHarness } from '@angular/material/dialog/testing';
import { MatFormFieldHarness } from '@angular/material/form-field/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { MatSelectHarness } from '@angular/material/select/testing';
import { provideRouter, Router } from '@angular/router';
import { type Feed, Privilege } from '@stockroom/contracts';
import { AuthStore } from '../../core/auth/auth-store';
import { noMaterialAnimations } from '../../testing/material';
import { FeedSettings, quotaBytesOf, quotaFields } from './feed-settings';

@Component({ template: '' })
class Blank {}

function feedOf(extra: Partial<Feed> = {}): Feed {
  return {
    name: 'installers',
    feedType: 'asset',
    description: 'setup files',
    active: true,
    retentionRules: [],
    retentionRulesEnabled: false,
    retentionDryRun: false,
    privileges: Object.values(Privilege),
    fileCount: 12,
    totalBytes: 3.4 * 1024 ** 3,
    storageType: 'disk',
    ...extra,
  };
}

@Component({
  imports: [FeedSettings],
  template: `<app-feed-settings [feed]="feed()" [canManage]="canManage()" (saved)="saved.push($event)" />`,
})
class Host {
  readonly feed = signal(feedOf());
  readonly canManage = signal(true);
  readonly saved: Feed[] = [];
}

describe('FeedSettings', () => {
  let backend: HttpTestingController;
  let fixture: ComponentFixture<Host>;
  let loader: HarnessLoader;
  let root: HarnessLoader;
  let element: HTMLElement;
  let router: Router;

  async function open(canManage = true): Promise<void> {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideRouter([{ path: '**', component: Blank }]),
        noMaterialAnimations,
      ],
    });
    backend = TestBed.inject(HttpTestingController);
    router = TestBed.inject(Router);
    await router.navigateByUrl('/feeds/installers/manage/settings');
    fixture = TestBed.createComponent(Host);
    fixture.componentInstance.canManage.set(canManage);
    element = fixture.nativeElement as HTMLElement;
    loader = TestbedHarnessEnvironment.loader(fixture);
    root = TestbedHarnessEnvironment.documentRootLoader(fixture);
    await settle();
  }

  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve));
    TestBed.tick();
    await TestBed.inject(ApplicationRef).whenStable();
  }

  async function nameInput(): Promise<MatInputHarness> {
    return loader.getHarness(MatInputHarness.with({ selector: '[data-testid=directory-name-input]' }));
  }

  async function typeName(value: string): Promise<string[]> {
    await (await nameInput()).setValue(value);
    return (await loader.getHarness(MatFormFieldHarness.with({ floatingLabelText: /Name/ }))).getTextErrors();
  }

  async function saveButton(): Promise<MatButtonHarness> {
    return loader.getHarness(MatButtonHarness.with({ selector: '[data-testid=settings-save]' }));
  }

  function alertText(): string {
    return element.querySelector('[role=alert]')?.textContent?.trim() ?? '';
  }

  afterEach(() => {
    backend.verify();
    TestBed.inject(MatDialog).closeAll();
    fixture?.destroy();
  });

  it('shows the saved values, with Save disabled until something changes', async () => {
    await open();
    expect(await (await nameInput()).getValue()).toBe('installers');
    expect(await (await loader.getHarness(MatInputHarness.with({ selector: 'textarea' }))).getValue()).toBe(
      'setup files',
    );
    expect(await (await loader.getHarness(MatCheckboxHarness)).isChecked()).toBe(true);
    expect(await (await saveButton()).isDisabled()).toBe(true);
  });

  it('says which naming rule is broken as the name is typed, and never sends an invalid name', async () => {
    await open();
    expect(await typeName('-tools')).toEqual(['Start with a letter or a digit.']);
    expect(await typeName('my tools/2')).toEqual([
      'Only letters A–Z, digits, “.”, “_” and “-” are allowed, not spaces, “/”.',
    ]);
    expect(await typeName('x'.repeat(101))).toEqual(['Use at most 100 characters (this one has 101).']);
    expect(await typeName('')).toEqual(['Enter a name.']);
    expect(await typeName('Tools-2.x_final')).toEqual([]);

    await typeName('bad name');
    await (await saveButton()).click();
    await settle();
    backend.expectNone((r) => r.url.startsWith('/api/management/feeds/update'));
  });

  it('saves the description and the switch without a name, and stays', async () => {
    await open();
    await (await loader.getHarness(MatInputHarness.with({ selector: 'textarea' }))).setValue('setup files, signed');
    await (await loader.getHarness(MatCheckboxHarness)).uncheck();
    await (await saveButton()).click();
    const req = backend.expectOne('/api/management/feeds/update/installers');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({ description: 'setup files, signed', active: false });
    const updated = feedOf({ description: 'setup files, signed', active: false });
    req.flush(updated);
    await settle();
    expect(fixture.componentInstance.saved).toEqual([updated]);
    expect(router.url).toBe('/feeds/installers/manage/settings');
    expect(document.querySelector('mat-snack-bar-container')?.textContent).toContain('Settings saved.');
    // Saved: nothing left to save.
    expect(await (await saveButton()).isDisabled()).toBe(true);
  });

  it('renames, then moves to the new name’s settings', async () => {
    await open();
    await typeName('setup-files');
    await (await saveButton()).click();
    const req = backend.expectOne('/api/management/feeds/update/installers');
    expect(req.request.body).toEqual({ name: 'setup-files', description: 'setup files', active: true });
    req.flush(feedOf({ name: 'setup-files' }));
    await settle();
    expect(router.url).toBe('/feeds/setup-files/manage/settings');
    expect(document.querySelector('mat-snack-bar-container')?.textContent).toContain('Renamed to “setup-files”.');
  });

  it("shows the server's refusal (400 and 409) and keeps the typed values", async () => {
    await open();
    await typeName('tools');
    await (await saveButton()).click();
    backend
      .expectOne('/api/management/feeds/update/installers')
      .flush(
        { code: 'already_exists', message: 'A directory named "tools" already exists.' },
        { status: 409, statusText: 'Conflict' },
      );
    await settle();
    expect(alertText()).toBe('A directory named "tools" already exists.');
    expect(await (await nameInput()).getValue()).toBe('tools');
    expect(router.url).toBe('/feeds/installers/manage/settings');

    await (await loader.getHarness(MatInputHarness.with({ selector: 'textarea' }))).setValue('x'.repeat(5000));
    await (await saveButton()).click();
    backend
      .expectOne('/api/management/feeds/update/installers')
      .flush(
        { code: 'invalid_request', message: 'description must be at most 1000 characters.' },
        { status: 400, statusText: 'Bad Request' },
      );
    await settle();
    expect(alertText()).toBe('description must be at most 1000 characters.');
    expect(await (await saveButton()).isDisabled()).toBe(false);
    expect(fixture.componentInstance.saved).toEqual([]);
  });

  it('asks before deleting, naming the files and bytes, then deletes and goes home', async () => {
    await open();
    await (await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid=delete-directory]' }))).click();
    let confirm = await root.getHarness(MatDialogHarness);
    const text = await (await confirm.host()).text();
    expect(text).toContain('Delete “installers”?');
    expect(text).toContain('12 files, 3.40 GiB will be deleted.');
    await (await confirm.getHarness(MatButtonHarness.with({ text: 'Cancel' }))).click();
    await settle();
    backend.expectNone('/api/management/feeds/delete/installers');

    await (await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid=delete-directory]' }))).click();
    confirm = await root.getHarness(MatDialogHarness);
    await (await confirm.getHarness(MatButtonHarness.with({ text: 'Delete directory' }))).click();
    const req = backend.expectOne('/api/management/feeds/delete/installers');
    expect(req.request.method).toBe('DELETE');
    req.flush(null);
    await settle();
    expect(router.url).toBe('/');
    expect(document.querySelector('mat-snack-bar-container')?.textContent).toContain('Directory “installers” deleted.');
  });

  it('stays and says why when the server refuses the deletion', async () => {
    await open();
    await (await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid=delete-directory]' }))).click();
    const confirm = await root.getHarness(MatDialogHarness);
    await (await confirm.getHarness(MatButtonHarness.with({ text: 'Delete directory' }))).click();
    backend
      .expectOne('/api/management/feeds/delete/installers')
      .flush(
        { code: 'forbidden', message: 'dora lacks the Admin_ManageFeed privilege here.' },
        { status: 403, statusText: 'Forbidden' },
      );
    await settle();
    expect(router.url).toBe('/feeds/installers/manage/settings');
    expect(document.querySelector('mat-snack-bar-container')?.textContent).toContain(
      'dora lacks the Admin_ManageFeed privilege here.',
    );
    expect(
      await (
        await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid=delete-directory]' }))
      ).isDisabled(),
    ).toBe(false);
  });

  it('offers inline active content to administrators only, and sends it only when changed', async () => {
    await open();
    expect(element.querySelector('[data-testid=inline-content]')).toBeNull();
    const signIn = TestBed.inject(AuthStore).refresh();
    backend.expectOne('/api/security/me').flush({
      authenticated: true,
      userName: 'Admin',
      displayName: 'Admin',
      credential: 'session',
      privileges: [Privilege.Administer],
    });
    await signIn;
    await settle();
    const inline = await loader.getHarness(MatCheckboxHarness.with({ selector: '[data-testid=inline-content]' }));
    expect(await inline.isChecked()).toBe(false);
    await inline.check();
    await (await saveButton()).click();
    const req = backend.expectOne('/api/management/feeds/update/installers');
    expect(req.request.body).toEqual({ description: 'setup files', active: true, inlineContent: true });
    req.flush(feedOf({ inlineContent: true }));
    await settle();
    expect(await inline.isChecked()).toBe(true);
  });

  it('only shows the values, read-only, without Manage Feed', async () => {
    await open(false);
    expect(await (await nameInput()).isDisabled()).toBe(true);
    expect(await (await loader.getHarness(MatCheckboxHarness)).isDisabled()).toBe(true);
    expect(await loader.getAllHarnesses(MatButtonHarness)).toHaveLength(0);
  });

  async function signInAsAdministrator(): Promise<void> {
    const signIn = TestBed.inject(AuthStore).refresh();
    backend.expectOne('/api/security/me').flush({
      authenticated: true,
      userName: 'Admin',
      displayName: 'Admin',
      credential: 'session',
      privileges: [Privilege.Administer],
    });
    await signIn;
    await settle();
  }

  const input = (testId: string) => loader.getHarness(MatInputHarness.with({ selector: `[data-testid=${testId}]` }));
  const select = (testId: string) => loader.getHarness(MatSelectHarness.with({ selector: `[data-testid=${testId}]` }));

  it('sends the file history whole when it changed; policy and quota are shown but not changeable', async () => {
    await open();
    expect(await (await select('write-policy')).isDisabled()).toBe(true);
    expect(await (await input('quota')).isDisabled()).toBe(true);
    expect(element.textContent).toContain('Only administrators can change the write policy and the quota.');
    await (await loader.getHarness(MatCheckboxHarness.with({ selector: '[data-testid=history-enabled]' }))).check();
    await (await input('history-keep')).setValue('5');
    await (await saveButton()).click();
    const req = backend.expectOne('/api/management/feeds/update/installers');
    expect(req.request.body).toEqual({
      description: 'setup files',
      active: true,
      fileHistory: { enabled: true, keep: 5, keepDays: 0 },
    });
    req.flush({ ...feedOf(), fileHistory: { enabled: true, keep: 5, keepDays: 0 } });
    await settle();
    expect(await (await saveButton()).isDisabled()).toBe(true);
  });

  it('does not save a history count that is not a whole number', async () => {
    await open();
    await (await input('history-keep-days')).setValue('1.5');
    await (await saveButton()).click();
    await settle();
    backend.expectNone((r) => r.url.startsWith('/api/management/feeds/update'));
  });

  it('lets an administrator set the write policy and a quota, and shows the use', async () => {
    await open();
    fixture.componentInstance.feed.set(feedOf({ quotaBytes: null, quotaUsedBytes: 1536 * 1024 ** 2 }));
    await signInAsAdministrator();
    expect(element.querySelector('[data-testid=quota-usage]')?.textContent).toContain('1.50 GiB used, no quota');
    await (await select('write-policy')).open();
    await (await select('write-policy')).clickOptions({ text: /^Create only/ });
    await (await input('quota')).setValue('5');
    await (await saveButton()).click();
    const req = backend.expectOne('/api/management/feeds/update/installers');
    expect(req.request.body).toEqual({
      description: 'setup files',
      active: true,
      writePolicy: 'create-only',
      quotaBytes: 5 * 1024 ** 3,
    });
    req.flush(feedOf({ writePolicy: 'create-only', quotaBytes: 5 * 1024 ** 3, quotaUsedBytes: 1536 * 1024 ** 2 }));
    fixture.componentInstance.feed.set(
      feedOf({ writePolicy: 'create-only', quotaBytes: 5 * 1024 ** 3, quotaUsedBytes: 1536 * 1024 ** 2 }),
    );
    await settle();
    expect(element.querySelector('[data-testid=quota-usage]')?.textContent).toContain('1.50 GiB of 5.00 GiB used');
  });
});

describe('quota fields', () => {
  it('shows whole GiB as GiB, anything else as MiB, none as blank, and converts back', () => {
    expect(quotaFields(null)).toEqual({ quota: null, quotaUnit: 'GiB' });
    expect(quotaFields(5 * 1024 ** 3)).toEqual({ quota: 5, quotaUnit: 'GiB' });
    expect(quotaFields(1536 * 1024 ** 2)).toEqual({ quota: 1536, quotaUnit: 'MiB' });
    expect(quotaBytesOf(null, 'GiB')).toBeNull();
    expect(quotaBytesOf(1.5, 'GiB')).toBe(1536 * 1024 ** 2);
    expect(quotaBytesOf(200, 'MiB')).toBe(200 * 1024 ** 2);
  });
});
