import { Clipboard } from '@angular/cdk/clipboard';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import type { HarnessLoader } from '@angular/cdk/testing';
import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatCheckboxHarness } from '@angular/material/checkbox/testing';
import { MatDialogHarness } from '@angular/material/dialog/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { MatRadioGroupHarness } from '@angular/material/radio/testing';
import { MatSnackBarHarness } from '@angular/material/snack-bar/testing';
import { Router, provideRouter, withComponentInputBinding } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { type AssetItem, type CurrentPrincipal, type Feed, type FileVersion, Privilege } from '@stockroom/contracts';
import { AuthStore } from '../../core/auth/auth-store';
import { requestedWithInterceptor } from '../../core/http/requested-with-interceptor';
import { feedAreaMatcher } from '../../shared/links';
import { noMaterialAnimations } from '../../testing/material';
import { ADMIN, ANONYMOUS_ME } from '../../testing/principals';
import { FilePage, OPEN_URL, curlExample } from './file-page';

@Component({ template: '<p>folder</p>' })
class BrowseStub {}

const SHA1 = 'a'.repeat(40);
const SHA256 = 'b'.repeat(64);

function fileItem(overrides: Partial<AssetItem> = {}): AssetItem {
  return {
    name: 'setup.exe',
    parent: 'tools/win',
    type: 'application/octet-stream',
    size: 1536,
    content: 'http://localhost/endpoints/installers/content/tools/win/setup.exe',
    created: '2025-01-02T03:04:05Z',
    modified: '2025-01-03T03:04:05Z',
    md5: 'c'.repeat(32),
    sha1: SHA1,
    sha256: SHA256,
    sha512: 'd'.repeat(128),
    downloadCount: 7,
    lastDownloaded: '2025-02-01T00:00:00Z',
    cacheHeader: { type: 'Inherit' },
    ...overrides,
  };
}

function directory(privileges?: Privilege[]): Feed {
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

const ALL = [Privilege.View, Privilege.Download, Privilege.Add, Privilege.Overwrite, Privilege.Delete];
const USER: CurrentPrincipal = {
  authenticated: true,
  userName: 'jane',
  displayName: 'Jane',
  credential: 'session',
  privileges: [],
};

const METADATA_URL = '/endpoints/installers/metadata/tools/win/setup.exe';
const VERSIONS_URL = '/endpoints/installers/versions/tools/win/setup.exe';
/** What the server signs: on its content origin when it has one (another host name). */
const SIGNED = `http://content.example/endpoints/installers/content/tools/win/setup.exe?expires=1&version=${SHA1}&signature=s`;

describe('FilePage', () => {
  let backend: HttpTestingController;
  let harness: RouterTestingHarness;
  let page: HTMLElement;
  let loader: HarnessLoader;
  let root: HarnessLoader;
  let opened: string[];

  beforeEach(() => {
    opened = [];
    TestBed.configureTestingModule({
      providers: [
        provideRouter(
          [
            { matcher: feedAreaMatcher('files'), component: FilePage },
            { matcher: feedAreaMatcher('browse'), component: BrowseStub },
          ],
          withComponentInputBinding(),
        ),
        provideHttpClient(withInterceptors([requestedWithInterceptor])),
        provideHttpClientTesting(),
        noMaterialAnimations,
        { provide: OPEN_URL, useValue: (url: string) => opened.push(url) },
      ],
    });
    backend = TestBed.inject(HttpTestingController);
  });

  afterEach(() => backend.verify());

  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve));
    await harness.fixture.whenStable();
  }

  async function signInAs(principal: CurrentPrincipal): Promise<void> {
    const refreshed = TestBed.inject(AuthStore).refresh();
    backend.expectOne('/api/security/me').flush(principal);
    await refreshed;
  }

  /** Opens the page as `principal`, answering the item and directory requests. */
  async function open(
    options: {
      url?: string;
      item?: AssetItem;
      privileges?: Privilege[];
      principal?: CurrentPrincipal;
      versions?: FileVersion[];
    } = {},
  ): Promise<void> {
    await signInAs(options.principal ?? ADMIN);
    harness = await RouterTestingHarness.create();
    await harness.navigateByUrl(options.url ?? '/feeds/installers/files/tools/win/setup.exe');
    backend.expectOne(METADATA_URL).flush(options.item ?? fileItem());
    backend.expectOne('/api/management/feeds/get/installers').flush(directory(options.privileges ?? ALL));
    await settle();
    // The History panel asks once the file is shown.
    for (const request of backend.match(VERSIONS_URL)) request.flush(options.versions ?? []);
    await settle();
    page = harness.routeNativeElement as HTMLElement;
    loader = TestbedHarnessEnvironment.loader(harness.fixture);
    root = TestbedHarnessEnvironment.documentRootLoader(harness.fixture);
  }

  function byTestId(id: string): HTMLElement {
    const element = page.querySelector<HTMLElement>(`[data-testid="${id}"]`);
    if (!element) throw new Error(`no [data-testid=${id}]`);
    return element;
  }

  function button(testId: string): Promise<MatButtonHarness> {
    return loader.getHarness(MatButtonHarness.with({ selector: `[data-testid="${testId}"]` }));
  }

  it('shows the breadcrumbs, name, details and an absolute download URL', async () => {
    await open();
    const crumbs = Array.from(page.querySelectorAll('nav[aria-label=Breadcrumb] a')).map((a) => [
      a.textContent?.trim(),
      a.getAttribute('href'),
    ]);
    expect(crumbs).toEqual([
      ['Directories', '/'],
      ['installers', '/feeds/installers/browse'],
      ['tools', '/feeds/installers/browse/tools'],
      ['win', '/feeds/installers/browse/tools/win'],
    ]);
    const trail = page.querySelector('[data-testid=breadcrumbs]');
    expect(trail?.textContent?.replace(/\s+/g, '')).toBe('Directories›installers›tools›win›setup.exe');
    expect(trail?.querySelector('[aria-current=page]')?.textContent).toBe('setup.exe');
    expect(page.querySelector('h1')?.textContent?.trim()).toBe('setup.exe');
    expect((byTestId('download-url') as HTMLInputElement).value).toBe(
      `${location.origin}/endpoints/installers/content/tools/win/setup.exe`,
    );
    expect(byTestId('download-file').getAttribute('href')).toBe(
      '/endpoints/installers/content/tools/win/setup.exe?download=true',
    );
    expect(byTestId('sha256').textContent?.trim()).toBe(SHA256);
    expect(byTestId('size').textContent).toContain('1.50 KiB');
    expect(byTestId('size').textContent).toContain((1536).toLocaleString());
    expect(byTestId('download-count').textContent?.trim()).toBe('7');
    expect(byTestId('media-type').textContent?.trim()).toBe('application/octet-stream');
  });

  it('copies the download URL and says so', async () => {
    await open();
    const copy = jest.spyOn(TestBed.inject(Clipboard), 'copy').mockReturnValue(true);
    await (await button('copy-url')).click();
    expect(copy).toHaveBeenCalledWith(`${location.origin}/endpoints/installers/content/tools/win/setup.exe`);
    const snackBar = await root.getHarness(MatSnackBarHarness);
    expect(await snackBar.getMessage()).toBe('Copied the download URL.');
  });

  it('sets the media type with POST metadata/{p} and shows the new type', async () => {
    await open();
    await (await button('set-media-type')).click();
    const input = await loader.getHarness(MatInputHarness.with({ selector: '[data-testid="media-type-input"]' }));
    expect(await input.getValue()).toBe('application/octet-stream');
    await input.setValue('application/vnd.microsoft.portable-executable');
    await (await button('save-media-type')).click();

    const req = backend.expectOne(METADATA_URL);
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({ type: 'application/vnd.microsoft.portable-executable' });
    req.flush('');
    await settle();
    expect(byTestId('media-type').textContent?.trim()).toBe('application/vnd.microsoft.portable-executable');
  });

  it("keeps the editor open with the server's message when the media type is refused", async () => {
    await open();
    await (await button('set-media-type')).click();
    const input = await loader.getHarness(MatInputHarness.with({ selector: '[data-testid="media-type-input"]' }));
    await input.setValue('text/plain');
    await (await button('save-media-type')).click();
    backend
      .expectOne(METADATA_URL)
      .flush('You lack the Feeds_AddPackage privilege.', { status: 403, statusText: 'Forbidden' });
    await settle();
    const snackBar = await root.getHarness(MatSnackBarHarness);
    expect(await snackBar.getMessage()).toBe('Could not set the media type: You lack the Feeds_AddPackage privilege.');
    expect(await input.getValue()).toBe('text/plain');
  });

  it('does not send a media type that is not type/subtype', async () => {
    await open();
    await (await button('set-media-type')).click();
    const input = await loader.getHarness(MatInputHarness.with({ selector: '[data-testid="media-type-input"]' }));
    await input.setValue('plain text');
    await (await button('save-media-type')).click();
    backend.expectNone(METADATA_URL);
    expect(page.textContent).toContain('Enter a media type like text/plain.');
  });

  it('round-trips the response header flag of user metadata (replace mode)', async () => {
    await open({
      item: fileItem({
        userMetadata: { 'X-Owner': 'ops', 'X-Build': { value: '42', includeInResponseHeader: true } },
      }),
    });
    const checkboxes = await loader.getAllHarnesses(
      MatCheckboxHarness.with({ selector: '[data-testid="metadata-header"]' }),
    );
    expect(await Promise.all(checkboxes.map((c) => c.isChecked()))).toEqual([false, true]);
    expect(page.querySelectorAll('[data-testid="metadata-row"]').length).toBe(2);

    // X-Owner becomes a header, X-Build no longer; a new row is added.
    await checkboxes[0].check();
    await checkboxes[1].uncheck();
    await (await button('add-metadata')).click();
    const keys = await loader.getAllHarnesses(MatInputHarness.with({ selector: '[data-testid="metadata-key"]' }));
    const values = await loader.getAllHarnesses(MatInputHarness.with({ selector: '[data-testid="metadata-value"]' }));
    await keys[2].setValue('X-Channel');
    await values[2].setValue('stable');
    const flags = await loader.getAllHarnesses(
      MatCheckboxHarness.with({ selector: '[data-testid="metadata-header"]' }),
    );
    await flags[2].check();
    await (await button('save-metadata')).click();

    const req = backend.expectOne(METADATA_URL);
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({
      userMetadataUpdateMode: 'replace',
      userMetadata: {
        'X-Owner': { value: 'ops', includeInResponseHeader: true },
        'X-Build': '42',
        'X-Channel': { value: 'stable', includeInResponseHeader: true },
      },
    });
    req.flush('');
    await settle();

    const after = await loader.getAllHarnesses(
      MatCheckboxHarness.with({ selector: '[data-testid="metadata-header"]' }),
    );
    expect(await Promise.all(after.map((c) => c.isChecked()))).toEqual([true, false, true]);
    expect(await (await button('save-metadata')).isDisabled()).toBe(true);
  });

  it('checks metadata keys like the server before saving', async () => {
    await open();
    await (await button('add-metadata')).click();
    const key = await loader.getHarness(MatInputHarness.with({ selector: '[data-testid="metadata-key"]' }));
    await key.setValue('build number');
    expect(page.textContent).toContain('no spaces');
    expect(await (await button('save-metadata')).isDisabled()).toBe(true);

    await key.setValue('Content-Type');
    const flag = await loader.getHarness(MatCheckboxHarness.with({ selector: '[data-testid="metadata-header"]' }));
    await flag.check();
    expect(page.textContent).toContain('Content-Type cannot be a response header');
    expect(await (await button('save-metadata')).isDisabled()).toBe(true);
    // The allowlist: X-… names outside the reserved ones, and Content-Language.
    await key.setValue('X-Frame-Options');
    expect(page.textContent).toContain('X-Frame-Options cannot be a response header: X-Frame-Options is reserved');
    await key.setValue('Refresh');
    expect(page.textContent).toContain('only X-… names and Content-Language');
    expect(await (await button('save-metadata')).isDisabled()).toBe(true);
    backend.expectNone(METADATA_URL);
  });

  it('saves a TTL cache setting', async () => {
    await open();
    const group = await loader.getHarness(MatRadioGroupHarness.with({ selector: '[data-testid="cache-header"]' }));
    await group.checkRadioButton({ label: 'Time to live' });
    const ttl = await loader.getHarness(MatInputHarness.with({ selector: '[data-testid="cache-ttl"]' }));
    await ttl.setValue('3600');
    await (await button('save-cache-header')).click();
    const req = backend.expectOne(METADATA_URL);
    expect(req.request.body).toEqual({ cacheHeader: { type: 'TTL', value: 3600 } });
    req.flush('');
    await settle();
    expect(page.textContent).toContain('Now: Cache for 3600 s (Cache-Control: public, max-age=3600)');
  });

  it('shows a signed-in user a curl command with an API key; administrators get a link to create one', async () => {
    await open();
    const url = `${location.origin}/endpoints/installers/content/tools/win/setup.exe`;
    expect(byTestId('curl-example').textContent?.trim()).toBe(`curl -H "X-ApiKey: <your API key>" -O ${url}`);
    expect(byTestId('curl-hint').querySelector('a')?.getAttribute('href')).toBe('/admin/api-keys');
  });

  it('mentions personal API keys to other users without a link', async () => {
    await open({ principal: USER });
    expect(byTestId('curl-example').textContent).toContain('X-ApiKey: <your API key>');
    expect(byTestId('curl-hint').textContent).toContain('personal API key');
    expect(byTestId('curl-hint').querySelector('a')).toBeNull();
  });

  it('shows anonymous users a curl command without credentials', async () => {
    await open({ principal: ANONYMOUS_ME, privileges: [Privilege.View, Privilege.Download] });
    const url = `${location.origin}/endpoints/installers/content/tools/win/setup.exe`;
    expect(byTestId('curl-example').textContent?.trim()).toBe(`curl -O ${url}`);
    expect(byTestId('curl-hint').textContent).toContain('no credentials');
  });

  it('asks before deleting, sends DELETE content/{p} and goes to the parent folder', async () => {
    await open();
    await (await button('delete-file')).click();
    const dialog = await root.getHarness(MatDialogHarness);
    expect(await dialog.getText()).toContain('"setup.exe" will be deleted from installers');
    await (await dialog.getHarness(MatButtonHarness.with({ text: 'Delete' }))).click();

    const req = backend.expectOne('/endpoints/installers/content/tools/win/setup.exe');
    expect(req.request.method).toBe('DELETE');
    req.flush('');
    await settle();
    expect(TestBed.inject(Router).url).toBe('/feeds/installers/browse/tools/win');
  });

  it('deletes nothing when the user cancels', async () => {
    await open();
    await (await button('delete-file')).click();
    const dialog = await root.getHarness(MatDialogHarness);
    await (await dialog.getHarness(MatButtonHarness.with({ text: 'Cancel' }))).click();
    await settle();
    backend.expectNone('/endpoints/installers/content/tools/win/setup.exe');
    expect(TestBed.inject(Router).url).toBe('/feeds/installers/files/tools/win/setup.exe');
  });

  it('offers no changes without the privileges (or when the server does not say)', async () => {
    await signInAs(USER);
    harness = await RouterTestingHarness.create();
    await harness.navigateByUrl('/feeds/installers/files/tools/win/setup.exe');
    backend.expectOne(METADATA_URL).flush(fileItem({ userMetadata: { owner: 'ops' } }));
    backend.expectOne('/api/management/feeds/get/installers').flush(directory());
    await settle();
    backend.expectOne(VERSIONS_URL).flush([]);
    await settle();
    page = harness.routeNativeElement as HTMLElement;
    for (const id of [
      'delete-file',
      'set-media-type',
      'add-metadata',
      'save-metadata',
      'save-cache-header',
      'history-restore',
    ]) {
      expect(page.querySelector(`[data-testid="${id}"]`)).toBeNull();
    }
    expect(page.querySelectorAll('[data-testid="metadata-row"]').length).toBe(1);
    expect(byTestId('download-file')).toBeTruthy();
  });

  it('offers "Share link…" with Download and Feeds_ShareAsset; the dialog creates a link to this file', async () => {
    await open({ privileges: [...ALL, Privilege.ShareAsset] });
    await (await button('share-file')).click();
    const dialog = await root.getHarness(MatDialogHarness);
    expect(await dialog.getTitleText()).toBe('Share “setup.exe”');
    await (await dialog.getHarness(MatButtonHarness.with({ selector: '[data-testid=share-create]' }))).click();
    const req = backend.expectOne('/api/shares');
    expect(req.request.body).toEqual({ feed: 'installers', path: 'tools/win/setup.exe', expiresInMinutes: 10080 });
    req.flush({ id: 1, url: 'http://localhost/s/abc', expiresAt: '2030-01-01T00:00:00Z' });
    await settle();
    expect(
      await (await dialog.getHarness(MatInputHarness.with({ selector: '[data-testid=share-url]' }))).getValue(),
    ).toBe('http://localhost/s/abc');
    await dialog.close();
  });

  it('offers no "Share link…" without Feeds_ShareAsset (or Download)', async () => {
    await open({ privileges: ALL });
    expect(page.querySelector('[data-testid=share-file]')).toBeNull();
  });

  it("shows the server's message and a way back to the folder when the file is missing", async () => {
    await signInAs(ADMIN);
    harness = await RouterTestingHarness.create();
    await harness.navigateByUrl('/feeds/installers/files/tools/win/setup.exe');
    backend
      .expectOne(METADATA_URL)
      .flush('"tools/win/setup.exe" was not found.', { status: 404, statusText: 'Not Found' });
    backend.expectOne('/api/management/feeds/get/installers').flush(directory(ALL));
    await settle();
    page = harness.routeNativeElement as HTMLElement;
    const banner = page.querySelector('app-error-banner');
    expect(banner?.textContent).toContain('Could not load the file.');
    expect(banner?.textContent).toContain('"tools/win/setup.exe" was not found.');
    expect(banner?.querySelector('a')?.getAttribute('href')).toBe('/feeds/installers/browse/tools/win');
  });

  /** The page asks the server to sign a URL for the file: answers it with {@link SIGNED}. */
  function answerSigning(download = false): void {
    const signing = backend.expectOne('/api/signed-urls');
    expect(signing.request.method).toBe('POST');
    expect(signing.request.body).toEqual({
      feed: 'installers',
      path: 'tools/win/setup.exe',
      ...(download ? { download } : {}),
    });
    signing.flush({ url: download ? `${SIGNED}&download=true` : SIGNED, expires: '2030-01-01T00:00:00.000Z' });
  }

  it('downloads through a signed URL (no cookie needed); the link itself stays the plain API URL', async () => {
    await open();
    byTestId('download-file').dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, button: 0 }));
    answerSigning(true);
    await settle();
    expect(opened).toEqual([`${SIGNED}&download=true`]);
    expect(byTestId('download-file').getAttribute('href')).toBe(
      '/endpoints/installers/content/tools/win/setup.exe?download=true',
    );
  });

  it('leaves a middle or modified click to the browser (the plain link), and says when signing fails', async () => {
    await open();
    const link = byTestId('download-file');
    link.addEventListener('click', (e) => e.preventDefault()); // jsdom would navigate
    link.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, button: 0, ctrlKey: true }));
    backend.expectNone('/api/signed-urls');
    link.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, button: 0 }));
    backend
      .expectOne('/api/signed-urls')
      .flush(
        { code: 'forbidden', message: 'jane lacks the Feeds_DownloadPackage privilege here.' },
        { status: 403, statusText: 'Forbidden' },
      );
    await settle();
    expect(opened).toEqual([]);
    expect(await (await root.getHarness(MatSnackBarHarness)).getMessage()).toContain('lacks the Feeds_DownloadPackage');
  });

  it('previews the first 64 KiB of a text file with a Range request and says when it is cut', async () => {
    await open({ item: fileItem({ name: 'setup.exe', type: 'text/plain', size: 200_000 }) });
    answerSigning();
    const req = backend.expectOne(SIGNED);
    expect(req.request.headers.get('Range')).toBe('bytes=0-65535');
    expect(req.request.responseType).toBe('text');
    req.flush('hello\nworld', {
      status: 206,
      statusText: 'Partial Content',
      headers: { 'Content-Range': 'bytes 0-65535/200000' },
    });
    await settle();
    expect(byTestId('preview-text').textContent).toBe('hello\nworld');
    expect(byTestId('preview-truncated').textContent).toContain('Showing the first 64.0 KiB');
  });

  it('shows a small image from a signed URL', async () => {
    await open({ item: fileItem({ name: 'logo.png', type: 'image/png', size: 2048 }) });
    answerSigning();
    await settle();
    expect(byTestId('preview-image').getAttribute('src')).toBe(SIGNED);
  });
});

describe('FilePage history', () => {
  let backend: HttpTestingController;
  let harness: RouterTestingHarness;
  let root: HarnessLoader;

  const version = (n: number, extra: Partial<FileVersion> = {}): FileVersion => ({
    version: n,
    size: 1024 * n,
    modified: '2025-01-01T00:00:00Z',
    replacedAt: '2025-01-02T00:00:00Z',
    replacedBy: 'jane',
    deleted: false,
    md5: null,
    sha1: null,
    sha256: null,
    sha512: null,
    type: 'application/octet-stream',
    ...extra,
  });

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [
        provideRouter([{ matcher: feedAreaMatcher('files'), component: FilePage }], withComponentInputBinding()),
        provideHttpClient(withInterceptors([requestedWithInterceptor])),
        provideHttpClientTesting(),
        noMaterialAnimations,
        { provide: OPEN_URL, useValue: () => undefined },
      ],
    });
    backend = TestBed.inject(HttpTestingController);
  });
  afterEach(() => backend.verify());

  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve));
    await harness.fixture.whenStable();
  }

  async function open(
    privileges: Privilege[],
    versions: FileVersion[],
    extra: Partial<Feed> = {},
  ): Promise<HTMLElement> {
    const refreshed = TestBed.inject(AuthStore).refresh();
    backend.expectOne('/api/security/me').flush(USER);
    await refreshed;
    harness = await RouterTestingHarness.create();
    await harness.navigateByUrl('/feeds/installers/files/tools/win/setup.exe');
    backend.expectOne(METADATA_URL).flush(fileItem());
    backend.expectOne('/api/management/feeds/get/installers').flush({
      ...directory(privileges),
      fileHistory: { enabled: true, keep: 10, keepDays: 0 },
      ...extra,
    });
    await settle();
    backend.expectOne(VERSIONS_URL).flush(versions);
    await settle();
    root = TestbedHarnessEnvironment.documentRootLoader(harness.fixture);
    return harness.routeNativeElement as HTMLElement;
  }

  it('lists the versions newest first with who replaced them, a download link and Restore', async () => {
    const page = await open(ALL, [version(2, { deleted: true }), version(1, { replacedBy: null })]);
    const rows = Array.from(page.querySelectorAll<HTMLElement>('[data-testid=history-row]'));
    expect(rows.map((r) => r.dataset['version'])).toEqual(['2', '1']);
    expect(rows[0].textContent).toContain('deleted');
    expect(rows[0].textContent).toContain('2.00 KiB');
    expect(rows[0].textContent).toContain('jane');
    expect(rows[1].textContent).toContain('—');
    expect(rows[0].querySelector('[data-testid=history-download]')?.getAttribute('href')).toBe(
      '/endpoints/installers/content/tools/win/setup.exe?version=2&download=true',
    );
    expect(page.querySelectorAll('[data-testid=history-restore]')).toHaveLength(2);
  });

  it('offers no Restore without Overwrite', async () => {
    const page = await open([Privilege.View, Privilege.Download], [version(1)]);
    expect(page.querySelectorAll('[data-testid=history-download]')).toHaveLength(1);
    expect(page.querySelectorAll('[data-testid=history-restore]')).toHaveLength(0);
  });

  it('offers neither Delete nor Restore in a create-only directory', async () => {
    const page = await open(ALL, [version(1)], { writePolicy: 'create-only' });
    expect(page.querySelectorAll('[data-testid=history-download]')).toHaveLength(1);
    expect(page.querySelector('[data-testid=history-restore]')).toBeNull();
    expect(page.querySelector('[data-testid=delete-file]')).toBeNull();
  });

  it('says when there is nothing kept', async () => {
    const page = await open(ALL, []);
    expect(page.querySelector('[data-testid=history-empty]')?.textContent).toContain('No earlier versions');
  });

  it('restores a version after a confirmation, then shows the new details and history', async () => {
    const page = await open(ALL, [version(1)]);
    page.querySelector<HTMLButtonElement>('[data-testid=history-restore]')?.click();
    await settle();
    const dialog = await root.getHarness(MatDialogHarness);
    expect(await dialog.getTitleText()).toBe('Restore version 1?');
    await (await dialog.getHarness(MatButtonHarness.with({ text: 'Restore' }))).click();
    await settle();
    const restore = backend.expectOne('/endpoints/installers/restore/tools/win/setup.exe?version=1');
    expect(restore.request.method).toBe('POST');
    restore.flush('');
    await settle();
    backend.expectOne(METADATA_URL).flush(fileItem({ size: 1024 }));
    backend.expectOne(VERSIONS_URL).flush([version(2), version(1)]);
    await settle();
    expect(page.querySelector('[data-testid=size]')?.textContent).toContain('1.00 KiB');
    expect(page.querySelectorAll('[data-testid=history-row]')).toHaveLength(2);
  });
});

describe('curlExample', () => {
  it('names the output file when the URL does not end in the plain name', () => {
    expect(curlExample('http://h/endpoints/d/content/my%20file%281%29.txt', "my file(1)'s.txt", false)).toBe(
      `curl -o 'my file(1)'\\''s.txt' http://h/endpoints/d/content/my%20file%281%29.txt`,
    );
  });
});
