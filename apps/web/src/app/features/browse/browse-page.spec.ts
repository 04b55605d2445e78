import type { ComponentHarness, HarnessLoader } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatCheckboxHarness } from '@angular/material/checkbox/testing';
import { MatDialogHarness } from '@angular/material/dialog/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { MatSnackBarHarness } from '@angular/material/snack-bar/testing';
import { Router, provideRouter, withComponentInputBinding } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { type AssetItem, type Feed, Privilege } from '@stockroom/contracts';
import { Subject } from 'rxjs';
import { AuthStore } from '../../core/auth/auth-store';
import { requestedWithInterceptor } from '../../core/http/requested-with-interceptor';
import { feedAreaMatcher } from '../../shared/links';
import { noMaterialAnimations } from '../../testing/material';
import { ADMIN } from '../../testing/principals';
import { type UploadCompleted, type UploadEntry, UploadQueue } from '../upload/upload-queue';
import { BrowsePage } from './browse-page';

jest.mock('../upload/dropped-entries', () => ({
  readDroppedEntries: jest.fn(async (dt: DataTransfer) =>
    Array.from(dt.files, (file) => ({ file, relativePath: `dropped/${file.name}` })),
  ),
  entriesFromInput: jest.fn((files: FileList) => Array.from(files, (file) => ({ file, relativePath: file.name }))),
}));

@Component({ template: '<p>file page</p>' })
class FileStub {}

@Component({ template: '<p>elsewhere</p>' })
class Elsewhere {}

const ALL = [
  Privilege.View,
  Privilege.Download,
  Privilege.Add,
  Privilege.Overwrite,
  Privilege.Delete,
  Privilege.ManageFeed,
];

function feed(privileges?: Privilege[]): Feed {
  return {
    name: 'installers',
    feedType: 'asset',
    description: '',
    active: true,
    retentionRules: [],
    retentionRulesEnabled: false,
    retentionDryRun: false,
    ...(privileges ? { privileges } : {}),
  };
}

function file(name: string, size: number, type: string, modified: string, parent?: string): AssetItem {
  return { name, parent, type, size, created: modified, modified, cacheHeader: { type: 'Inherit' } };
}

function dir(name: string, modified: string, parent?: string): AssetItem {
  return { name, parent, type: 'dir', created: modified, modified, cacheHeader: { type: 'Inherit' } };
}

const ROOT_ITEMS: AssetItem[] = [
  dir('docs', '2024-03-01T10:00:00Z'),
  dir('Builds', '2024-01-01T10:00:00Z'),
  file('setup-10.exe', 3000, 'application/x-msdownload', '2024-02-01T10:00:00Z'),
  file('Setup-2.exe', 1000, 'application/x-msdownload', '2024-05-01T10:00:00Z'),
  file('readme.txt', 2048, 'text/plain', '2024-04-01T10:00:00Z'),
  file('logo.png', 500, 'image/png', '2023-12-01T10:00:00Z'),
];

// jsdom has no scrolling: the virtual scroll viewport scrolls to the top in another folder.
Element.prototype.scrollTo ??= function scrollTo() {
  /* nothing to scroll */
};

describe('BrowsePage', () => {
  let backend: HttpTestingController;
  let harness: RouterTestingHarness;
  let loader: HarnessLoader;
  let root: HarnessLoader;
  let page: HTMLElement;
  let completed: Subject<UploadCompleted>;
  let added: { feed: string; folder: string; entries: UploadEntry[] }[];

  beforeEach(async () => {
    completed = new Subject();
    added = [];
    TestBed.configureTestingModule({
      providers: [
        provideRouter(
          [
            { matcher: feedAreaMatcher('browse'), component: BrowsePage },
            { matcher: feedAreaMatcher('files'), component: FileStub },
            { path: '**', component: Elsewhere },
          ],
          withComponentInputBinding(),
        ),
        provideHttpClient(withInterceptors([requestedWithInterceptor])),
        provideHttpClientTesting(),
        noMaterialAnimations,
        {
          provide: UploadQueue,
          useValue: {
            completed: completed.asObservable(),
            add: (f: string, folder: string, entries: UploadEntry[]) => added.push({ feed: f, folder, entries }),
          },
        },
      ],
    });
    backend = TestBed.inject(HttpTestingController);
    const refreshed = TestBed.inject(AuthStore).refresh();
    backend.expectOne('/api/security/me').flush(ADMIN);
    await refreshed;
  });

  afterEach(() => backend.verify());

  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve));
    await harness.fixture.whenStable();
  }

  /** Opens `url` and answers the directory, the folder check (when in a folder) and the listing. */
  async function open(
    url: string,
    options: { privileges?: Privilege[]; items?: AssetItem[]; folder?: string } = {},
  ): Promise<void> {
    harness = await RouterTestingHarness.create();
    await harness.navigateByUrl(url);
    const folder = options.folder ?? '';
    backend.expectOne('/api/management/feeds/get/installers').flush(feed(options.privileges));
    if (folder) {
      backend
        .expectOne(`/endpoints/installers/metadata/${folder}`)
        .flush(dir(folder.split('/').pop() ?? '', '2024-01-01T00:00:00Z'));
    }
    backend.expectOne(`/endpoints/installers/dir/${folder}`).flush(options.items ?? ROOT_ITEMS);
    await settle();
    page = harness.routeNativeElement as HTMLElement;
    loader = TestbedHarnessEnvironment.loader(harness.fixture);
    root = TestbedHarnessEnvironment.documentRootLoader(harness.fixture);
  }

  function names(): string[] {
    return Array.from(page.querySelectorAll('[data-testid=entry-row]'), (row) => row.getAttribute('data-name') ?? '');
  }

  function row(name: string): HTMLElement {
    const element = page.querySelector<HTMLElement>(`[data-testid=entry-row][data-name="${name}"]`);
    if (!element) throw new Error(`no row ${name}`);
    return element;
  }

  function testid(id: string): HTMLElement | null {
    return page.querySelector<HTMLElement>(`[data-testid=${id}]`);
  }

  async function rowCheckbox(name: string): Promise<MatCheckboxHarness> {
    return loader.getHarness(MatCheckboxHarness.with({ ancestor: `[data-name="${name}"]` }));
  }

  async function confirmDialog(): Promise<MatDialogHarness> {
    return root.getHarness(MatDialogHarness);
  }

  async function press(dialog: ComponentHarness, text: string): Promise<void> {
    const button = await dialog.locatorFor(MatButtonHarness.with({ text }))();
    await button.click();
  }

  it('shows the folder: name, breadcrumbs, folders first then files by natural name order', async () => {
    await open('/feeds/installers/browse', { privileges: ALL });
    expect(page.querySelector('h1')?.textContent).toContain('installers');
    expect(names()).toEqual(['Builds', 'docs', 'logo.png', 'readme.txt', 'Setup-2.exe', 'setup-10.exe']);
    const readme = row('readme.txt');
    expect(readme.textContent).toContain('2.00 KiB');
    expect(readme.textContent).toContain('text/plain');
    expect(readme.querySelector('a')?.getAttribute('href')).toBe('/feeds/installers/files/readme.txt');
    expect(row('docs').querySelector('a')?.getAttribute('href')).toBe('/feeds/installers/browse/docs');
    expect(row('docs').textContent).toContain('Folder');
    expect(testid('listing')?.getAttribute('role')).toBe('grid');
    expect(testid('listing')?.getAttribute('aria-rowcount')).toBe('7');
  });

  it('starts the breadcrumbs at the list of directories; at the top, the directory is the current page', async () => {
    await open('/feeds/installers/browse', { privileges: ALL });
    const trail = testid('breadcrumbs');
    expect(trail?.textContent?.replace(/\s+/g, '')).toBe('Directories›installers');
    expect(trail?.querySelector('a')?.getAttribute('href')).toBe('/');
    const current = trail?.querySelector('[aria-current=page]');
    expect(current?.textContent).toBe('installers');
    expect(current?.getAttribute('href')).toBe('/feeds/installers/browse');
  });

  it('asks for the folder of the URL and links every level of the breadcrumbs', async () => {
    await open('/feeds/installers/browse/a%20b/c', {
      privileges: ALL,
      folder: 'a%20b/c',
      items: [file('x.txt', 1, 'text/plain', '2024-01-01T00:00:00Z', 'a b/c')],
    });
    const crumbs = Array.from(testid('breadcrumbs')?.querySelectorAll('a') ?? []).map((a) => [
      a.textContent?.trim(),
      a.getAttribute('href'),
    ]);
    expect(crumbs).toEqual([
      ['Directories', '/'],
      ['installers', '/feeds/installers/browse'],
      ['a b', '/feeds/installers/browse/a%20b'],
      ['c', '/feeds/installers/browse/a%20b/c'],
    ]);
    expect(testid('breadcrumbs')?.querySelector('[aria-current=page]')?.textContent).toBe('c');
    expect(row('x.txt').querySelector('a')?.getAttribute('href')).toBe('/feeds/installers/files/a%20b/c/x.txt');
    expect(testid('export-zip')?.getAttribute('href')).toBe(
      '/endpoints/installers/export/a%20b/c?format=zip&recursive=true',
    );
    expect(testid('export-tgz')?.getAttribute('href')).toBe(
      '/endpoints/installers/export/a%20b/c?format=tgz&recursive=true',
    );
    expect(testid('export-zip')?.hasAttribute('download')).toBe(true);
  });

  it('offers every action with the privileges for them', async () => {
    await open('/feeds/installers/browse', { privileges: ALL });
    for (const id of ['upload-files', 'upload-folder', 'new-folder', 'import-archive', 'export-zip', 'export-tgz']) {
      expect(testid(id)).not.toBeNull();
    }
    expect(testid('manage')?.getAttribute('href')).toBe('/feeds/installers/manage');
    expect(testid('delete-selected')).not.toBeNull();
    expect(page.querySelectorAll('[data-testid=delete-entry]')).toHaveLength(6);
    expect(page.querySelector('input[webkitdirectory]')).not.toBeNull();
  });

  it.each([
    ['no privileges field (older server)', undefined],
    ['view only', [Privilege.View]],
  ])('hides upload, delete and manage with %s', async (_, privileges) => {
    await open('/feeds/installers/browse', { privileges });
    for (const id of [
      'upload-files',
      'upload-folder',
      'new-folder',
      'import-archive',
      'delete-selected',
      'select-all',
    ]) {
      expect(testid(id)).toBeNull();
    }
    expect(page.querySelectorAll('[data-testid=delete-entry]')).toHaveLength(0);
    expect(testid('manage')).toBeNull();
    expect(names()).toHaveLength(6);
  });

  it('offers rename and move with Delete and Add, copy with Download and Add', async () => {
    await open('/feeds/installers/browse', { privileges: ALL });
    expect(page.querySelectorAll('[data-testid=entry-menu]')).toHaveLength(6);
    expect(testid('move-selected')).not.toBeNull();
    expect(testid('copy-selected')).not.toBeNull();
    expect(row('readme.txt').getAttribute('draggable')).toBe('true');
  });

  it('lets a user who may add and download copy, not move or delete', async () => {
    await open('/feeds/installers/browse', { privileges: [Privilege.View, Privilege.Download, Privilege.Add] });
    expect(page.querySelectorAll('[data-testid=entry-menu]')).toHaveLength(6);
    expect(page.querySelectorAll('[data-testid=delete-entry]')).toHaveLength(0);
    expect(testid('move-selected')).toBeNull();
    expect(testid('copy-selected')).not.toBeNull();
    expect(row('readme.txt').getAttribute('draggable')).toBeNull();
  });

  it('renames from the row menu with a move, then shows the folder again', async () => {
    await open('/feeds/installers/browse', { privileges: ALL });
    row('readme.txt').querySelector<HTMLButtonElement>('[data-testid=entry-menu]')?.click();
    await settle();
    document.querySelector<HTMLButtonElement>('[data-testid=rename-entry]')?.click();
    await settle();
    const dialog = await confirmDialog();
    expect(await dialog.getTitleText()).toBe('Rename “readme.txt”');
    await (
      await dialog.getHarness(MatInputHarness.with({ selector: '[data-testid=transfer-name]' }))
    ).setValue('README.md');
    await press(dialog, 'Rename');
    const move = backend.expectOne('/endpoints/installers/move/readme.txt');
    expect(move.request.body).toEqual({ to: 'README.md', overwrite: false });
    move.flush({
      kind: 'file',
      directory: 'installers',
      path: 'README.md',
      items: 1,
      files: 1,
      bytesCopied: 0,
      replaced: false,
    });
    await settle();
    backend.expectOne('/api/management/feeds/get/installers').flush(feed(ALL));
    backend
      .expectOne('/endpoints/installers/dir/')
      .flush([
        ...ROOT_ITEMS.filter((i) => i.name !== 'readme.txt'),
        file('README.md', 2048, 'text/plain', '2024-04-01T10:00:00Z'),
      ]);
    await settle();
    expect(names()).toContain('README.md');
    expect(names()).not.toContain('readme.txt');
    expect(await (await root.getHarness(MatSnackBarHarness)).getMessage()).toBe('Renamed.');
  });

  it('moves the selected rows dropped onto a folder row into it, and says what failed', async () => {
    await open('/feeds/installers/browse', { privileges: ALL });
    await (await rowCheckbox('readme.txt')).check();
    await (await rowCheckbox('logo.png')).check();
    const data = new Map<string, string>();
    const transfer = {
      get types() {
        return [...data.keys()];
      },
      setData: (type: string, value: string) => data.set(type, value),
      getData: (type: string) => data.get(type) ?? '',
      effectAllowed: 'all',
      dropEffect: 'none',
    };
    const drag = (target: HTMLElement, type: string): Event => {
      const event = new Event(type, { bubbles: true, cancelable: true });
      Object.defineProperty(event, 'dataTransfer', { value: transfer });
      target.dispatchEvent(event);
      return event;
    };
    drag(row('readme.txt'), 'dragstart');
    // Not onto a file, nor onto itself.
    expect(drag(row('Setup-2.exe'), 'dragover').defaultPrevented).toBe(false);
    expect(drag(row('docs'), 'dragover').defaultPrevented).toBe(true);
    drag(row('docs'), 'drop');
    const first = backend.expectOne('/endpoints/installers/move/logo.png');
    expect(first.request.body).toEqual({ to: 'docs/logo.png', overwrite: false });
    first.flush({
      kind: 'file',
      directory: 'installers',
      path: 'docs/logo.png',
      items: 1,
      files: 1,
      bytesCopied: 0,
      replaced: false,
    });
    await settle();
    backend
      .expectOne('/endpoints/installers/move/readme.txt')
      .flush('"docs/readme.txt" already exists: pass "overwrite": true to replace it.', {
        status: 409,
        statusText: 'Conflict',
      });
    await settle();
    backend.expectOne('/api/management/feeds/get/installers').flush(feed(ALL));
    backend.expectOne('/endpoints/installers/dir/').flush(ROOT_ITEMS.filter((i) => i.name !== 'logo.png'));
    await settle();
    expect(names()).not.toContain('logo.png');
    expect(await (await root.getHarness(MatSnackBarHarness)).getMessage()).toBe(
      'Could not move “readme.txt”: "docs/readme.txt" already exists: pass "overwrite": true to replace it.',
    );
  });

  it('shows the deleted files of a folder where the server keeps history, and restores one', async () => {
    harness = await RouterTestingHarness.create();
    await harness.navigateByUrl('/feeds/installers/browse');
    backend
      .expectOne('/api/management/feeds/get/installers')
      .flush({ ...feed(ALL), fileHistory: { enabled: true, keep: 10, keepDays: 0 } });
    backend.expectOne('/endpoints/installers/dir/').flush(ROOT_ITEMS);
    await settle();
    page = harness.routeNativeElement as HTMLElement;
    root = TestbedHarnessEnvironment.documentRootLoader(harness.fixture);
    testid('toggle-deleted')?.click();
    await settle();
    backend.expectOne('/endpoints/installers/versions/?deleted=true').flush([
      {
        path: 'docs/old.txt',
        version: 3,
        size: 2048,
        modified: '2024-01-01T00:00:00Z',
        replacedAt: '2024-02-01T00:00:00Z',
        replacedBy: 'jane',
        deleted: true,
        md5: null,
        sha1: null,
        sha256: null,
        sha512: null,
        type: 'text/plain',
      },
    ]);
    await settle();
    expect(testid('listing')).toBeNull();
    const deleted = page.querySelector<HTMLElement>('[data-testid=deleted-row]');
    expect(deleted?.textContent).toContain('docs/old.txt');
    expect(deleted?.textContent).toContain('jane');
    expect(deleted?.querySelector('a[download]')?.getAttribute('href')).toBe(
      '/endpoints/installers/content/docs/old.txt?version=3&download=true',
    );
    testid('deleted-restore')?.click();
    await settle();
    await press(await confirmDialog(), 'Restore');
    const restore = backend.expectOne('/endpoints/installers/restore/docs/old.txt?version=3');
    expect(restore.request.method).toBe('POST');
    restore.flush('');
    await settle();
    backend.expectOne('/endpoints/installers/versions/?deleted=true').flush([]);
    backend.expectOne('/api/management/feeds/get/installers').flush(feed(ALL));
    backend.expectOne('/endpoints/installers/dir/').flush(ROOT_ITEMS);
    // The toggle goes with the history: a server without it shows the listing again.
    await settle();
    expect(testid('toggle-deleted')).toBeNull();
    expect(testid('listing')).not.toBeNull();
  });

  it('offers no deleted files view where the server has no file history', async () => {
    await open('/feeds/installers/browse', { privileges: ALL });
    expect(testid('toggle-deleted')).toBeNull();
  });

  it.each([
    ['create-only', ['upload-files', 'copy-selected'], ['delete-selected', 'move-selected']],
    ['read-only', [], ['upload-files', 'new-folder', 'copy-selected', 'delete-selected', 'move-selected']],
  ] as const)('in a %s directory offers only what the policy allows', async (policy, shown, hidden) => {
    harness = await RouterTestingHarness.create();
    await harness.navigateByUrl('/feeds/installers/browse');
    backend.expectOne('/api/management/feeds/get/installers').flush({ ...feed(ALL), writePolicy: policy });
    backend.expectOne('/endpoints/installers/dir/').flush(ROOT_ITEMS);
    await settle();
    page = harness.routeNativeElement as HTMLElement;
    expect(testid('write-policy-badge')?.textContent?.trim()).toBe(policy);
    for (const id of shown) expect(testid(id)).not.toBeNull();
    for (const id of hidden) expect(testid(id)).toBeNull();
    expect(page.querySelectorAll('[data-testid=delete-entry]')).toHaveLength(0);
  });

  it('offers "Share link…" on the folder and on each row with Download and Feeds_ShareAsset', async () => {
    await open('/feeds/installers/browse/docs', {
      privileges: [Privilege.View, Privilege.Download, Privilege.ShareAsset],
      folder: 'docs',
      items: [file('x.txt', 1, 'text/plain', '2024-01-01T00:00:00Z', 'docs')],
    });
    // Only sharing: the rows get their menu, with nothing else in it.
    row('x.txt').querySelector<HTMLButtonElement>('[data-testid=entry-menu]')?.click();
    await settle();
    expect(document.querySelector('[data-testid=rename-entry]')).toBeNull();
    document.querySelector<HTMLButtonElement>('[data-testid=share-entry]')?.click();
    await settle();
    let dialog = await root.getHarness(MatDialogHarness);
    expect(await dialog.getTitleText()).toBe('Share “x.txt”');
    await dialog.close();

    testid('share-folder')?.click();
    await settle();
    dialog = await root.getHarness(MatDialogHarness);
    expect(await dialog.getTitleText()).toBe('Share the folder “docs”');
    await (await dialog.getHarness(MatButtonHarness.with({ selector: '[data-testid=share-create]' }))).click();
    const req = backend.expectOne('/api/shares');
    expect(req.request.body).toMatchObject({ feed: 'installers', path: 'docs' });
    req.flush({ id: 1, url: 'http://localhost/s/abc', expiresAt: '2030-01-01T00:00:00Z' });
    await settle();
    await dialog.close();
  });

  it('offers no "Share link…" without Feeds_ShareAsset', async () => {
    await open('/feeds/installers/browse', { privileges: ALL });
    expect(testid('share-folder')).toBeNull();
    row('readme.txt').querySelector<HTMLButtonElement>('[data-testid=entry-menu]')?.click();
    await settle();
    expect(document.querySelector('[data-testid=rename-entry]')).not.toBeNull();
    expect(document.querySelector('[data-testid=share-entry]')).toBeNull();
  });

  it('opens the row menu from the keyboard (Shift+F10)', async () => {
    await open('/feeds/installers/browse', { privileges: ALL });
    row('readme.txt').dispatchEvent(new KeyboardEvent('keydown', { key: 'F10', shiftKey: true, bubbles: true }));
    await settle();
    expect(document.querySelector('[data-testid=rename-entry]')).not.toBeNull();
    expect(document.querySelector('[data-testid=delete-entry-menu]')).not.toBeNull();
  });

  it('sorts by a column header (folders stay first), the second click reverses', async () => {
    await open('/feeds/installers/browse', { privileges: ALL });
    testid('sort-size')?.click();
    await settle();
    expect(names()).toEqual(['Builds', 'docs', 'logo.png', 'Setup-2.exe', 'readme.txt', 'setup-10.exe']);
    expect(testid('sort-size')?.parentElement?.getAttribute('aria-sort')).toBe('ascending');
    testid('sort-size')?.click();
    await settle();
    expect(names()).toEqual(['docs', 'Builds', 'setup-10.exe', 'readme.txt', 'Setup-2.exe', 'logo.png']);
    expect(testid('sort-size')?.parentElement?.getAttribute('aria-sort')).toBe('descending');
    testid('sort-modified')?.click();
    await settle();
    expect(names()).toEqual(['Builds', 'docs', 'logo.png', 'setup-10.exe', 'readme.txt', 'Setup-2.exe']);
    testid('sort-type')?.click();
    await settle();
    expect(names().slice(2)).toEqual(['Setup-2.exe', 'setup-10.exe', 'logo.png', 'readme.txt']);
  });

  it('filters by name as you type, case-insensitively', async () => {
    await open('/feeds/installers/browse', { privileges: ALL });
    const filter = await loader.getHarness(MatInputHarness.with({ selector: '[data-testid=filter]' }));
    await filter.setValue('SETUP');
    await settle();
    expect(names()).toEqual(['Setup-2.exe', 'setup-10.exe']);
    expect(page.querySelector('[role=status]')?.textContent).toContain('2 of 6 items');
    await filter.setValue('nothing-like-this');
    await settle();
    expect(names()).toEqual([]);
    expect(testid('listing')?.textContent).toContain('No names contain “nothing-like-this”');
  });

  it('selects all shown rows and deletes them after one confirmation with count and size', async () => {
    await open('/feeds/installers/browse', { privileges: ALL });
    const filter = await loader.getHarness(MatInputHarness.with({ selector: '[data-testid=filter]' }));
    await filter.setValue('s'); // docs, Builds, setup-10.exe, Setup-2.exe (not logo.png, readme.txt)
    await settle();
    expect(names()).toEqual(['Builds', 'docs', 'Setup-2.exe', 'setup-10.exe']);

    const selectAll = await loader.getHarness(MatCheckboxHarness.with({ selector: '[data-testid=select-all]' }));
    await selectAll.check();
    const deleteSelected = await loader.getHarness(
      MatButtonHarness.with({ selector: '[data-testid=delete-selected]' }),
    );
    expect(await deleteSelected.getText()).toBe('Delete selected (4)');
    // Unselect one: the header checkbox is then partly checked.
    await (await rowCheckbox('Builds')).uncheck();
    expect(await selectAll.isIndeterminate()).toBe(true);
    expect(await deleteSelected.getText()).toBe('Delete selected (3)');

    await deleteSelected.click();
    const dialog = await confirmDialog();
    expect(await dialog.getTitleText()).toBe('Delete 3 items?');
    const text = await dialog.getContentText();
    expect(text).toContain('2 files, 3.91 KiB');
    expect(text).toContain('1 folder and everything inside');
    await press(dialog, 'Delete');
    await settle();

    const requests = backend.match(() => true);
    expect(requests.map((r) => `${r.request.method} ${r.request.urlWithParams}`).sort()).toEqual([
      'DELETE /endpoints/installers/content/Setup-2.exe',
      'DELETE /endpoints/installers/content/setup-10.exe',
      'POST /endpoints/installers/delete/docs?recursive=true',
    ]);
    for (const r of requests) r.flush('');
    await settle();
    expect(names()).toEqual(['Builds']);
    await filter.setValue('');
    await settle();
    expect(names()).toEqual(['Builds', 'logo.png', 'readme.txt']);
    expect(await (await root.getHarness(MatSnackBarHarness)).getMessage()).toBe('Deleted 3 items.');
  });

  it('deletes nothing when the confirmation is cancelled', async () => {
    await open('/feeds/installers/browse', { privileges: ALL });
    row('docs').querySelector<HTMLButtonElement>('[data-testid=delete-entry]')?.click();
    const dialog = await confirmDialog();
    expect(await dialog.getTitleText()).toBe('Delete the folder “docs”?');
    expect(await dialog.getContentText()).toContain('everything inside it will be deleted');
    await press(dialog, 'Cancel');
    await settle();
    backend.expectNone(() => true);
    expect(names()).toContain('docs');
  });

  it("says which delete failed with the server's message, and keeps that row", async () => {
    await open('/feeds/installers/browse', { privileges: ALL });
    row('readme.txt').querySelector<HTMLButtonElement>('[data-testid=delete-entry]')?.click();
    const dialog = await confirmDialog();
    expect(await dialog.getTitleText()).toBe('Delete “readme.txt”?');
    expect(await dialog.getContentText()).toContain('2.00 KiB');
    await press(dialog, 'Delete');
    await settle();
    backend
      .expectOne({ method: 'DELETE', url: '/endpoints/installers/content/readme.txt' })
      .flush('Access denied: you may not delete here.', { status: 403, statusText: 'Forbidden' });
    await settle();
    expect(names()).toContain('readme.txt');
    expect(await (await root.getHarness(MatSnackBarHarness)).getMessage()).toBe(
      'Could not delete “readme.txt”: Access denied: you may not delete here.',
    );
  });

  it('works from the keyboard: Space selects, Delete asks, arrows move, Enter opens', async () => {
    await open('/feeds/installers/browse', { privileges: ALL });
    const first = row('Builds');
    expect(first.tabIndex).toBe(0);
    expect(row('docs').tabIndex).toBe(-1);
    first.focus();
    first.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
    await settle();
    expect(document.activeElement).toBe(row('docs'));
    expect(row('docs').tabIndex).toBe(0);

    row('docs').dispatchEvent(new KeyboardEvent('keydown', { key: ' ', bubbles: true }));
    await settle();
    expect(row('docs').getAttribute('aria-selected')).toBe('true');
    expect(await (await rowCheckbox('docs')).isChecked()).toBe(true);

    row('docs').dispatchEvent(new KeyboardEvent('keydown', { key: 'Delete', bubbles: true }));
    const dialog = await confirmDialog();
    expect(await dialog.getTitleText()).toBe('Delete the folder “docs”?');
    await press(dialog, 'Cancel');
    await settle();

    row('docs').dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    await settle();
    expect(TestBed.inject(Router).url).toBe('/feeds/installers/browse/docs');
    backend.expectOne('/api/management/feeds/get/installers').flush(feed(ALL));
    backend.expectOne('/endpoints/installers/metadata/docs').flush(dir('docs', '2024-01-01T00:00:00Z'));
    backend.expectOne('/endpoints/installers/dir/docs').flush([]);
    await settle();
    expect(testid('listing')?.textContent).toContain('This folder is empty.');
  });

  /** A key as the browser sends it to the focused element. */
  function key(target: Element, key: string, init: KeyboardEventInit = {}): void {
    target.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true, ...init }));
  }

  /** Lets requestAnimationFrame callbacks (focus retries, scroll handling) run, then settles. */
  async function frames(): Promise<void> {
    for (let i = 0; i < 3; i++) await new Promise((resolve) => requestAnimationFrame(resolve));
    await settle();
  }

  async function confirmDelete(): Promise<void> {
    await press(await confirmDialog(), 'Delete');
    await settle();
  }

  function selectedNames(): string[] {
    return Array.from(page.querySelectorAll('[data-testid=entry-row][aria-selected=true]'), (r) =>
      r.getAttribute('data-name'),
    ).filter((n): n is string => n !== null);
  }

  function tabStops(): string[] {
    return Array.from(page.querySelectorAll<HTMLElement>('[data-testid=entry-row]'))
      .filter((r) => r.tabIndex === 0)
      .map((r) => r.getAttribute('data-name') ?? '');
  }

  it('after a delete with the Delete key, focuses the row in its place (the previous one after the last)', async () => {
    await open('/feeds/installers/browse', { privileges: ALL });
    row('docs').focus();
    key(row('docs'), 'Delete');
    await confirmDelete();
    backend.expectOne({ method: 'POST', url: '/endpoints/installers/delete/docs?recursive=true' }).flush('');
    await frames();
    expect(names()).toEqual(['Builds', 'logo.png', 'readme.txt', 'Setup-2.exe', 'setup-10.exe']);
    expect(document.activeElement).toBe(row('logo.png'));
    expect(tabStops()).toEqual(['logo.png']);

    key(row('logo.png'), 'End');
    await frames();
    expect(document.activeElement).toBe(row('setup-10.exe'));
    key(row('setup-10.exe'), 'Delete');
    await confirmDelete();
    backend.expectOne({ method: 'DELETE', url: '/endpoints/installers/content/setup-10.exe' }).flush('');
    await frames();
    expect(names()).not.toContain('setup-10.exe');
    expect(document.activeElement).toBe(row('Setup-2.exe'));
    expect(tabStops()).toEqual(['Setup-2.exe']);
  });

  it('focuses the filter box after the last row of the folder is deleted from the keyboard', async () => {
    await open('/feeds/installers/browse', {
      privileges: ALL,
      items: [file('only.txt', 1, 'text/plain', '2024-01-01T00:00:00Z')],
    });
    row('only.txt').focus();
    key(row('only.txt'), 'Delete');
    await confirmDelete();
    backend.expectOne({ method: 'DELETE', url: '/endpoints/installers/content/only.txt' }).flush('');
    await frames();
    expect(names()).toEqual([]);
    expect(document.activeElement).toBe(testid('filter'));
  });

  it('keeps the focus on the row when a keyboard delete fails, and leaves it alone after a mouse delete', async () => {
    await open('/feeds/installers/browse', { privileges: ALL });
    row('readme.txt').focus();
    key(row('readme.txt'), 'Delete');
    await confirmDelete();
    backend
      .expectOne('/endpoints/installers/content/readme.txt')
      .flush('No.', { status: 403, statusText: 'Forbidden' });
    await frames();
    expect(document.activeElement).toBe(row('readme.txt'));

    const filter = testid('filter') as HTMLInputElement;
    filter.focus();
    row('logo.png')
      .querySelector('[data-testid=delete-entry]')
      ?.dispatchEvent(new MouseEvent('click', { bubbles: true, detail: 1 }));
    await confirmDelete();
    filter.focus(); // where the user went on while the delete ran
    backend.expectOne('/endpoints/installers/content/logo.png').flush('');
    await frames();
    expect(names()).not.toContain('logo.png');
    expect(document.activeElement).toBe(filter);
  });

  it('after a bulk delete started from the keyboard, focuses the first row left near the first deleted', async () => {
    await open('/feeds/installers/browse', { privileges: ALL });
    row('docs').focus();
    key(row('docs'), ' ');
    key(row('docs'), 'ArrowDown');
    key(row('logo.png'), 'ArrowDown');
    await frames();
    key(row('readme.txt'), ' ');
    await settle();
    expect(selectedNames()).toEqual(['docs', 'readme.txt']);

    const deleteSelected = testid('delete-selected') as HTMLButtonElement;
    deleteSelected.focus();
    // Enter or Space on a button: the browser sends a click with detail 0.
    deleteSelected.dispatchEvent(new MouseEvent('click', { bubbles: true, detail: 0 }));
    await confirmDelete();
    for (const r of backend.match(() => true)) r.flush('');
    await frames();
    expect(names()).toEqual(['Builds', 'logo.png', 'Setup-2.exe', 'setup-10.exe']);
    expect(document.activeElement).toBe(row('logo.png'));
  });

  it('selects a range with Shift+Space and Shift+click, from the row toggled last', async () => {
    await open('/feeds/installers/browse', { privileges: ALL });
    // Builds, docs, logo.png, readme.txt, Setup-2.exe, setup-10.exe
    row('Builds').focus();
    key(row('Builds'), ' ');
    key(row('Builds'), 'ArrowDown');
    key(row('docs'), 'ArrowDown');
    await frames();
    key(row('logo.png'), ' ', { shiftKey: true });
    await settle();
    expect(selectedNames()).toEqual(['Builds', 'docs', 'logo.png']);

    const shiftClick = (name: string) =>
      row(name)
        .querySelector('input[type=checkbox]')
        ?.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, shiftKey: true, detail: 1 }));
    shiftClick('setup-10.exe');
    await settle();
    expect(selectedNames()).toEqual(['Builds', 'docs', 'logo.png', 'readme.txt', 'Setup-2.exe', 'setup-10.exe']);
    expect(await (await rowCheckbox('readme.txt')).isChecked()).toBe(true);

    // A selected row's range is unselected.
    shiftClick('docs');
    await settle();
    expect(selectedNames()).toEqual(['Builds']);

    // Shift+click on the row itself (not its link) does the same.
    row('readme.txt')
      .querySelector('.cell.size')
      ?.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, shiftKey: true, detail: 1 }));
    await settle();
    expect(selectedNames()).toEqual(['Builds', 'docs', 'logo.png', 'readme.txt']);

    // Without Shift, a click toggles just that row.
    await (await rowCheckbox('Setup-2.exe')).check();
    expect(selectedNames()).toEqual(['Builds', 'docs', 'logo.png', 'readme.txt', 'Setup-2.exe']);
  });

  it('keeps one tab stop in the grid when the active row is scrolled out of the rendered rows', async () => {
    const many = Array.from({ length: 300 }, (_, i) =>
      file(`f${String(i).padStart(3, '0')}.txt`, i, 'text/plain', '2024-01-01T00:00:00Z'),
    );
    await open('/feeds/installers/browse', { privileges: ALL, items: many });
    expect(tabStops()).toEqual(['f000.txt']);
    expect(row('f000.txt').getAttribute('aria-rowindex')).toBe('2');

    // jsdom does not lay out or scroll: the viewport reports the offset we give it.
    const viewport = page.querySelector('cdk-virtual-scroll-viewport') as HTMLElement;
    let top = 0;
    Object.defineProperty(viewport, 'scrollTop', { configurable: true, get: () => top, set: (v: number) => (top = v) });
    top = 150 * 40;
    viewport.dispatchEvent(new Event('scroll'));
    await frames();
    expect(names()).not.toContain('f000.txt');
    expect(tabStops()).toEqual(['f150.txt']);
    const stop = row('f150.txt');
    expect(stop.getAttribute('aria-rowindex')).toBe('152');
    expect(testid('listing')?.getAttribute('aria-rowcount')).toBe('301');

    // Tabbing in lands there; it becomes the active row and the arrows go on from it.
    stop.focus();
    await settle();
    key(stop, 'ArrowDown');
    await frames();
    expect(document.activeElement).toBe(row('f151.txt'));
    expect(tabStops()).toEqual(['f151.txt']);
  });

  it('creates a folder with a valid, new name', async () => {
    await open('/feeds/installers/browse', { privileges: ALL });
    testid('new-folder')?.click();
    const dialog = await confirmDialog();
    const name = await dialog.getHarness(MatInputHarness);
    // jsdom cannot submit a form by its button: the form's submit event is what the button does.
    const submit = async () => {
      document.querySelector('[data-testid=new-folder-dialog]')?.closest('form')?.dispatchEvent(new Event('submit'));
      await settle();
    };
    await name.setValue('DOCS');
    await submit();
    expect(await dialog.getContentText()).toContain('Something here already has this name.');
    await name.setValue('a/b');
    expect(await dialog.getContentText()).toContain('A name cannot contain / or \\.');
    await name.setValue(' New stuff ');
    await submit();
    const create = backend.expectOne('/endpoints/installers/dir/New%20stuff');
    expect(create.request.method).toBe('POST');
    create.flush('', { status: 201, statusText: 'Created' });
    await settle();
    backend.expectOne('/api/management/feeds/get/installers').flush(feed(ALL));
    backend.expectOne('/endpoints/installers/dir/').flush([...ROOT_ITEMS, dir('New stuff', '2024-06-01T00:00:00Z')]);
    await settle();
    expect(names()).toContain('New stuff');
  });

  it('queues chosen and dropped files for this folder, and refreshes when they are uploaded', async () => {
    await open('/feeds/installers/browse/docs', { privileges: ALL, folder: 'docs', items: [] });
    const files = testid('upload-files-input') as HTMLInputElement;
    const chosen = new File(['x'], 'a.txt');
    Object.defineProperty(files, 'files', { value: [chosen], configurable: true });
    files.dispatchEvent(new Event('change'));
    expect(added).toEqual([{ feed: 'installers', folder: 'docs', entries: [{ file: chosen, relativePath: 'a.txt' }] }]);

    const zone = page.querySelector('.drop-zone') as HTMLElement;
    const dropped = new File(['y'], 'b.txt');
    const dataTransfer = { types: ['Files'], files: [dropped], dropEffect: 'none' } as unknown as DataTransfer;
    const drag = (type: string) => {
      const event = new Event(type, { bubbles: true, cancelable: true }) as DragEvent;
      Object.defineProperty(event, 'dataTransfer', { value: dataTransfer });
      zone.dispatchEvent(event);
      return event;
    };
    drag('dragenter');
    expect(drag('dragover').defaultPrevented).toBe(true);
    await settle();
    expect(zone.classList).toContain('dropping');
    expect(drag('drop').defaultPrevented).toBe(true);
    await settle();
    expect(zone.classList).not.toContain('dropping');
    expect(added[1]).toEqual({
      feed: 'installers',
      folder: 'docs',
      entries: [{ file: dropped, relativePath: 'dropped/b.txt' }],
    });

    // Completions elsewhere are ignored; a burst here reloads once.
    completed.next({ feed: 'installers', path: 'other/x.txt' });
    completed.next({ feed: 'other', path: 'docs/x.txt' });
    completed.next({ feed: 'installers', path: 'docs/a.txt' });
    completed.next({ feed: 'INSTALLERS', path: 'Docs/dropped/b.txt' });
    await new Promise((resolve) => setTimeout(resolve, 350));
    backend.expectOne('/api/management/feeds/get/installers').flush(feed(ALL));
    backend.expectOne('/endpoints/installers/metadata/docs').flush(dir('docs', '2024-01-01T00:00:00Z'));
    backend
      .expectOne('/endpoints/installers/dir/docs')
      .flush([
        dir('dropped', '2024-01-01T00:00:00Z', 'docs'),
        file('a.txt', 1, 'text/plain', '2024-01-01T00:00:00Z', 'docs'),
      ]);
    await settle();
    expect(names()).toEqual(['dropped', 'a.txt']);
  });

  it('does not accept drops without the Add privilege', async () => {
    await open('/feeds/installers/browse', { privileges: [Privilege.View] });
    const zone = page.querySelector('.drop-zone') as HTMLElement;
    const dataTransfer = { types: ['Files'], files: [new File(['y'], 'b.txt')], dropEffect: 'copy' };
    const event = new Event('dragover', { bubbles: true, cancelable: true });
    Object.defineProperty(event, 'dataTransfer', { value: dataTransfer });
    zone.dispatchEvent(event);
    expect(dataTransfer.dropEffect).toBe('none');
    await settle();
    expect(zone.classList).not.toContain('dropping');
  });

  it('says when the folder does not exist, with a way up', async () => {
    harness = await RouterTestingHarness.create();
    await harness.navigateByUrl('/feeds/installers/browse/a/missing');
    backend.expectOne('/api/management/feeds/get/installers').flush(feed(ALL));
    backend
      .expectOne('/endpoints/installers/metadata/a/missing')
      .flush('"a/missing" was not found.', { status: 404, statusText: 'Not Found' });
    backend.expectOne('/endpoints/installers/dir/a/missing').flush([]);
    await settle();
    page = harness.routeNativeElement as HTMLElement;
    const alert = page.querySelector('[role=alert]');
    expect(alert?.textContent).toContain('This folder does not exist.');
    expect(alert?.textContent).toContain('"a/missing" was not found.');
    const back = alert?.querySelector('a');
    expect(back?.textContent).toContain('Up to the parent folder');
    expect(back?.getAttribute('href')).toBe('/feeds/installers/browse/a');
    expect(testid('listing')).toBeNull();
    expect(testid('upload-files')).toBeNull();
    expect(testid('export-zip')).toBeNull();
  });

  it("shows the server's reason for a 403 and a way back", async () => {
    harness = await RouterTestingHarness.create();
    await harness.navigateByUrl('/feeds/installers/browse');
    backend
      .expectOne('/api/management/feeds/get/installers')
      .flush(
        { code: 'forbidden', message: 'You may not view "installers".' },
        { status: 403, statusText: 'Forbidden' },
      );
    // The listing request is cancelled with the first failure.
    expect(backend.match('/endpoints/installers/dir/').map((r) => r.cancelled)).toEqual([true]);
    await settle();
    page = harness.routeNativeElement as HTMLElement;
    const alert = page.querySelector('[role=alert]');
    expect(alert?.textContent).toContain('You may not view "installers".');
    expect(alert?.querySelector('a')?.getAttribute('href')).toBe('/');
  });
  describe('upstream of a stockroom connector', () => {
    const CONNECTOR = {
      type: 'stockroom' as const,
      url: 'https://remote.example/endpoints/releases/',
      cacheMinutes: 1440,
      negativeCacheMinutes: 5,
      timeoutSeconds: 30,
      offline: false,
    };

    async function openWith(url: string, connector: Feed['connector']): Promise<void> {
      harness = await RouterTestingHarness.create();
      await harness.navigateByUrl(url);
      backend.expectOne('/api/management/feeds/get/installers').flush({ ...feed(Object.values(Privilege)), connector });
      backend.expectOne('/endpoints/installers/dir/').flush([]);
      await settle();
      page = harness.routeNativeElement as HTMLElement;
    }

    const upstreamNames = () =>
      Array.from(page.querySelectorAll<HTMLElement>('[data-testid=upstream-row]'), (r) => r.dataset['name']);

    it('opens with ?upstream=true, walks into a folder, and goes back to the local files, loaded again', async () => {
      await openWith('/feeds/installers/browse?upstream=true', CONNECTOR);
      backend
        .expectOne('/endpoints/installers/dir/?upstream=true')
        .flush([file('a.zip', 10, 'application/zip', '2024-01-01T00:00:00Z'), dir('v1', '2024-01-01T00:00:00Z')]);
      await settle();
      expect(upstreamNames()).toEqual(['v1', 'a.zip']);
      const fetchLink = page.querySelector('[data-name="a.zip"] [data-testid=upstream-fetch]');
      expect(fetchLink?.getAttribute('href')).toBe('/endpoints/installers/content/a.zip');

      page.querySelector<HTMLButtonElement>('[data-name=v1] button')?.click();
      await settle();
      backend
        .expectOne('/endpoints/installers/dir/v1?upstream=true')
        .flush([file('b.zip', 20, 'application/zip', '2024-01-01T00:00:00Z', 'v1')]);
      await settle();
      expect(upstreamNames()).toEqual(['b.zip']);

      testid('toggle-upstream')?.click();
      await settle();
      backend
        .expectOne('/api/management/feeds/get/installers')
        .flush({ ...feed(Object.values(Privilege)), connector: CONNECTOR });
      backend.expectOne('/endpoints/installers/dir/').flush([dir('v1', '2024-01-01T00:00:00Z')]);
      await settle();
      expect(testid('upstream')).toBeNull();
      expect(names()).toEqual(['v1']);
      expect(TestBed.inject(Router).url).toBe('/feeds/installers/browse');

      testid('toggle-upstream')?.click();
      await settle();
      expect(TestBed.inject(Router).url).toBe('/feeds/installers/browse?upstream=true');
      backend.expectOne('/endpoints/installers/dir/?upstream=true').flush([]);
      await settle();
      expect(testid('upstream-empty')?.textContent).toContain('The upstream has nothing in this folder.');
    });

    it('offers no upstream for an http connector', async () => {
      await openWith('/feeds/installers/browse?upstream=true', { ...CONNECTOR, type: 'http' });
      expect(testid('toggle-upstream')).toBeNull();
      expect(testid('upstream')).toBeNull();
    });
  });
});
