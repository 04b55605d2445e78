import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ApplicationRef } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { HarnessLoader } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatDialog } from '@angular/material/dialog';
import { MatDialogHarness } from '@angular/material/dialog/testing';
import { MatFormFieldHarness } from '@angular/material/form-field/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { MatTableHarness } from '@angular/material/table/testing';
import { provideRouter } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { type CurrentPrincipal, type Feed, Privilege } from '@stockroom/contracts';
import { AuthStore } from '../../core/auth/auth-store';
import { noMaterialAnimations } from '../../testing/material';
import { ADMIN, ANONYMOUS_ME } from '../../testing/principals';
import { FeedListPage } from './feed-list-page';

const MANAGE: Privilege[] = [
  Privilege.View,
  Privilege.Download,
  Privilege.Add,
  Privilege.Overwrite,
  Privilege.Delete,
  Privilege.ManageFeed,
];

function feed(name: string, extra: Partial<Feed> = {}): Feed {
  return {
    name,
    feedType: 'asset',
    description: '',
    active: true,
    retentionRules: [],
    retentionRulesEnabled: false,
    retentionDryRun: false,
    privileges: [Privilege.View, Privilege.Download],
    fileCount: 0,
    totalBytes: 0,
    storageType: 'disk',
    ...extra,
  };
}

const USER: CurrentPrincipal = { ...ADMIN, userName: 'dora', displayName: 'Dora', privileges: [] };

describe('FeedListPage', () => {
  let backend: HttpTestingController;
  let harness: RouterTestingHarness;
  let loader: HarnessLoader;
  let root: HarnessLoader;

  async function open(
    me: CurrentPrincipal,
    feeds: Feed[] | { status: number; body: { code: string; message: string } },
  ): Promise<void> {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideRouter([{ path: '', component: FeedListPage }]),
        noMaterialAnimations,
      ],
    });
    backend = TestBed.inject(HttpTestingController);
    const auth = TestBed.inject(AuthStore);
    const known = auth.refresh();
    backend.expectOne('/api/security/me').flush(me);
    await known;
    harness = await RouterTestingHarness.create();
    await harness.navigateByUrl('/', FeedListPage);
    const list = backend.expectOne('/api/management/feeds/list');
    if (Array.isArray(feeds)) list.flush(feeds);
    else list.flush(feeds.body, { status: feeds.status, statusText: 'Error' });
    await settle();
    loader = TestbedHarnessEnvironment.loader(harness.fixture);
    root = TestbedHarnessEnvironment.documentRootLoader(harness.fixture);
  }

  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve));
    TestBed.tick();
    await TestBed.inject(ApplicationRef).whenStable();
  }

  function page(): HTMLElement {
    return harness.routeNativeElement as HTMLElement;
  }

  afterEach(() => {
    backend.verify();
    TestBed.inject(MatDialog).closeAll();
  });

  it('lists the directories with their description, storage, size and file count', async () => {
    await open(USER, [
      feed('installers', { description: 'setup files', fileCount: 1234, totalBytes: 3 * 1024 ** 3, storageType: 's3' }),
      feed('tools', { privileges: MANAGE }),
    ]);
    const table = await loader.getHarness(MatTableHarness);
    expect(await table.getHeaderRows().then((rows) => rows[0].getCellTextByIndex())).toEqual([
      'Name',
      'Description',
      'Storage',
      'Size',
      'Files',
      'Actions',
    ]);
    const rows = await table.getCellTextByColumnName();
    expect(rows['name'].text).toEqual(['installers', 'tools']);
    expect(rows['description'].text).toEqual(['setup files', '']);
    expect(rows['storage'].text).toEqual(['Amazon S3', 'Disk']);
    expect(rows['size'].text).toEqual(['3.00 GiB', '0 B']);
    expect(rows['files'].text).toEqual([(1234).toLocaleString(), '0']);

    const rowElements = page().querySelectorAll('[data-testid=directory-row]');
    expect(Array.from(rowElements).map((r) => r.getAttribute('data-name'))).toEqual(['installers', 'tools']);
    expect(rowElements[0].querySelector('a')?.getAttribute('href')).toBe('/feeds/installers/browse');
    // Manage and Delete only where the user holds Manage Feed; no "Create directory" for non-admins.
    expect(rowElements[0].querySelector('[data-testid=delete-directory]')).toBeNull();
    expect(rowElements[1].querySelector('[data-testid=delete-directory]')).not.toBeNull();
    expect(rowElements[1].querySelector('a[href="/feeds/tools/manage"]')?.textContent?.trim()).toBe('Manage');
    expect(await loader.getAllHarnesses(MatButtonHarness.with({ text: 'Create directory' }))).toHaveLength(0);
  });

  it('shows the quota use where a quota is set', async () => {
    await open(USER, [
      feed('installers', { totalBytes: 1024 ** 3, quotaBytes: 4 * 1024 ** 3, quotaUsedBytes: 1024 ** 3 }),
      feed('tools', { quotaBytes: null, quotaUsedBytes: 10 }),
    ]);
    const rows = page().querySelectorAll('[data-testid=directory-row]');
    const use = rows[0].querySelector('[data-testid=quota-use]');
    expect(use?.textContent?.replace(/\s+/g, ' ').trim()).toBe('1.00 GiB of 4.00 GiB');
    expect(use?.querySelector('[role=meter]')?.getAttribute('aria-valuenow')).toBe('25');
    expect(rows[1].querySelector('[data-testid=quota-use]')).toBeNull();
  });

  it('says how to get access when signed in without directories, and to sign in when anonymous', async () => {
    await open(USER, []);
    expect(page().textContent).toContain('Ask an administrator');
    backend.verify();
    TestBed.resetTestingModule();
    await open(ANONYMOUS_ME, []);
    expect(page().textContent).toContain('No directories are open to anonymous users.');
    expect(page().querySelector('a[href^="/sign-in"]')).not.toBeNull();
  });

  it('shows the server message with a retry when the list fails', async () => {
    await open(USER, { status: 503, body: { code: 'internal', message: 'Database unavailable.' } });
    expect(page().querySelector('[role=alert]')?.textContent).toContain('Database unavailable.');
    await (await loader.getHarness(MatButtonHarness.with({ text: 'Try again' }))).click();
    backend.expectOne('/api/management/feeds/list').flush([feed('back')]);
    await settle();
    expect(page().querySelector('[role=alert]')).toBeNull();
    expect(page().querySelectorAll('[data-testid=directory-row]')).toHaveLength(1);
  });

  describe('creating a directory (administrators)', () => {
    async function openDialog(): Promise<MatDialogHarness> {
      await open(ADMIN, [feed('existing', { privileges: Object.values(Privilege) })]);
      await (await loader.getHarness(MatButtonHarness.with({ text: 'Create directory' }))).click();
      return root.getHarness(MatDialogHarness);
    }

    async function nameField(dialog: MatDialogHarness): Promise<MatFormFieldHarness> {
      return dialog.getHarness(MatFormFieldHarness.with({ floatingLabelText: /Name/ }));
    }

    async function typeName(dialog: MatDialogHarness, value: string): Promise<string[]> {
      const input = await dialog.getHarness(MatInputHarness.with({ selector: '[data-testid=directory-name-input]' }));
      await input.setValue(value);
      return (await nameField(dialog)).getTextErrors();
    }

    it('says which naming rule is broken as the name is typed', async () => {
      const dialog = await openDialog();
      expect(await typeName(dialog, '-tools')).toEqual(['Start with a letter or a digit.']);
      expect(await typeName(dialog, 'my tools/2')).toEqual([
        'Only letters A–Z, digits, “.”, “_” and “-” are allowed, not spaces, “/”.',
      ]);
      expect(await typeName(dialog, 'x'.repeat(101))).toEqual(['Use at most 100 characters (this one has 101).']);
      expect(await typeName(dialog, '')).toEqual(['Enter a name.']);
      expect(await typeName(dialog, 'Tools-2.x_final')).toEqual([]);
      // An invalid name is never sent.
      await typeName(dialog, 'bad name');
      await (await dialog.getHarness(MatButtonHarness.with({ text: 'Create' }))).click();
      backend.expectNone('/api/management/feeds/create');
    });

    it("creates it, and shows the server's refusal (a duplicate name) in the dialog", async () => {
      const dialog = await openDialog();
      await typeName(dialog, 'EXISTING');
      const description = await dialog.getHarness(MatInputHarness.with({ selector: 'textarea' }));
      await description.setValue('setup files');
      await (await dialog.getHarness(MatButtonHarness.with({ text: 'Create' }))).click();
      let req = backend.expectOne('/api/management/feeds/create');
      expect(req.request.body).toEqual({ name: 'EXISTING', feedType: 'asset', description: 'setup files' });
      req.flush(
        { code: 'already_exists', message: 'A directory named "EXISTING" already exists.' },
        { status: 400, statusText: 'Bad Request' },
      );
      await settle();
      expect(await (await dialog.host()).text()).toContain('A directory named "EXISTING" already exists.');

      await typeName(dialog, 'installers');
      await (await dialog.getHarness(MatButtonHarness.with({ text: 'Create' }))).click();
      req = backend.expectOne('/api/management/feeds/create');
      // The create answer, like the server's, has no statistics.
      const answer: Partial<Feed> = feed('installers', {
        privileges: Object.values(Privilege),
        description: 'setup files',
      });
      delete answer.fileCount;
      delete answer.totalBytes;
      req.flush(answer);
      await settle();
      expect(await root.getAllHarnesses(MatDialogHarness)).toHaveLength(0);
      const names = Array.from(page().querySelectorAll('[data-testid=directory-row]')).map((r) =>
        r.getAttribute('data-name'),
      );
      expect(names).toEqual(['existing', 'installers']);
      // A new directory is empty, not unknown: no "—" until a reload.
      const row = page().querySelector('[data-testid=directory-row][data-name=installers]');
      expect(row?.textContent).toContain('0 B');
      expect(row?.textContent).not.toContain('—');
    });
  });

  describe('deleting a directory', () => {
    async function clickDelete(): Promise<MatDialogHarness> {
      await open(USER, [feed('old', { privileges: MANAGE, fileCount: 12, totalBytes: 3.4 * 1024 ** 3 })]);
      await (await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid=delete-directory]' }))).click();
      return root.getHarness(MatDialogHarness);
    }

    it('names what will be lost, and calls the API only once confirmed', async () => {
      const confirm = await clickDelete();
      const text = await (await confirm.host()).text();
      expect(text).toContain('Delete “old”?');
      expect(text).toContain('12 files, 3.40 GiB will be deleted.');
      backend.expectNone('/api/management/feeds/delete/old');
      await (await confirm.getHarness(MatButtonHarness.with({ text: 'Delete directory' }))).click();
      const req = backend.expectOne('/api/management/feeds/delete/old');
      expect(req.request.method).toBe('DELETE');
      req.flush(null);
      await settle();
      expect(page().querySelectorAll('[data-testid=directory-row]')).toHaveLength(0);
    });

    it('does nothing when cancelled, and keeps the row when the server refuses', async () => {
      let confirm = await clickDelete();
      await (await confirm.getHarness(MatButtonHarness.with({ text: 'Cancel' }))).click();
      await settle();
      backend.expectNone('/api/management/feeds/delete/old');

      await (await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid=delete-directory]' }))).click();
      confirm = await root.getHarness(MatDialogHarness);
      await (await confirm.getHarness(MatButtonHarness.with({ text: 'Delete directory' }))).click();
      backend
        .expectOne('/api/management/feeds/delete/old')
        .flush(
          { code: 'forbidden', message: 'dora lacks the Admin_ManageFeed privilege here.' },
          { status: 403, statusText: 'Forbidden' },
        );
      await settle();
      expect(page().querySelectorAll('[data-testid=directory-row]')).toHaveLength(1);
      expect(document.querySelector('mat-snack-bar-container')?.textContent).toContain(
        'dora lacks the Admin_ManageFeed privilege here.',
      );
    });
  });
});
