import { provideHttpClient } from '@angular/common/http';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import type { HarnessLoader } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatDialogHarness } from '@angular/material/dialog/testing';
import { MatProgressBarHarness } from '@angular/material/progress-bar/testing';
import { provideRouter } from '@angular/router';
import { noMaterialAnimations } from '../../testing/material';
import { FakeUploadServer } from './testing/fake-upload-server';
import { UploadPanel } from './upload-panel';
import { UPLOAD_OPTIONS, type UploadCompleted, UploadQueue, type UploadOptions, sharedFolder } from './upload-queue';
import { UploadTransport } from './upload-transport';

const OPTIONS: UploadOptions = {
  singleRequestLimit: 10,
  partSize: 10,
  maxParts: 9000,
  fileConcurrency: 3,
  partConcurrency: 1,
  checkConcurrency: 2,
  listingThreshold: 100,
  retryDelays: [0, 0, 0],
};

function file(name: string, size: number): File {
  let text = '';
  for (let i = 0; i < size; i++) text += String.fromCharCode(97 + (i % 26));
  return new File([text], name);
}

describe('UploadPanel and UploadQueue', () => {
  let server: FakeUploadServer;
  let fixture: ComponentFixture<UploadPanel>;
  let queue: UploadQueue;
  let loader: HarnessLoader;
  let root: HarnessLoader;
  let completed: UploadCompleted[];

  function setUp(options: Partial<UploadOptions> = {}): void {
    server = new FakeUploadServer();
    TestBed.configureTestingModule({
      providers: [
        provideRouter([]),
        provideHttpClient(),
        provideHttpClientTesting(),
        noMaterialAnimations,
        { provide: UploadTransport, useValue: server },
        { provide: UPLOAD_OPTIONS, useValue: { ...OPTIONS, ...options } },
      ],
    });
    fixture = TestBed.createComponent(UploadPanel);
    queue = TestBed.inject(UploadQueue);
    completed = [];
    queue.completed.subscribe((c) => completed.push(c));
    loader = TestbedHarnessEnvironment.loader(fixture);
    root = TestbedHarnessEnvironment.documentRootLoader(fixture);
  }

  /** Lets the queue's promise chains run, then renders. */
  async function settle(): Promise<void> {
    for (let i = 0; i < 30; i++) await new Promise((resolve) => setTimeout(resolve));
    await fixture.whenStable();
  }

  function el(): HTMLElement {
    return fixture.nativeElement as HTMLElement;
  }

  function item(name: string): HTMLElement {
    const found = el().querySelector<HTMLElement>(`[data-testid=upload-item][data-name="${name}"]`);
    if (!found) throw new Error(`no upload item ${name}`);
    return found;
  }

  async function itemProgress(name: string): Promise<number | null> {
    const bar = await loader.getHarness(
      MatProgressBarHarness.with({ selector: `[data-name="${name}"] [data-testid=upload-item-progress]` }),
    );
    return bar.getValue();
  }

  async function button(testid: string, within?: string): Promise<MatButtonHarness> {
    return loader.getHarness(
      MatButtonHarness.with({ selector: `${within ? `[data-name="${within}"] ` : ''}[data-testid=${testid}]` }),
    );
  }

  afterEach(() => TestBed.inject(UploadQueue).cancelAll());

  it('is empty until files are added, then shows the region with overall and per-file progress up to 100 %', async () => {
    setUp();
    await fixture.whenStable();
    expect(el().querySelector('[data-testid=upload-panel]')).toBeNull();

    server.intercept = (call) => (call.method === 'PUT' ? 'hold' : undefined);
    queue.add('installers', 'builds', [{ file: file('a.txt', 8), relativePath: 'a.txt' }]);
    await settle();

    const panel = el().querySelector('[data-testid=upload-panel]');
    expect(panel?.getAttribute('role')).toBe('region');
    expect(panel?.getAttribute('aria-label')).toBe('Uploads');
    expect(item('a.txt').dataset['state']).toBe('uploading');
    expect(item('a.txt').textContent).toContain('to installers/builds');
    const [put] = server.held;
    expect(put.request.url).toBe('/endpoints/installers/content/builds/a.txt');

    put.request.onProgress?.(4);
    await settle();
    expect(await itemProgress('a.txt')).toBe(50);
    expect(item('a.txt').textContent).toContain('50 %');

    put.respond(await server.serve(put));
    await settle();
    expect(item('a.txt').dataset['state']).toBe('done');
    expect(await itemProgress('a.txt')).toBe(100);
    const overall = await loader.getHarness(
      MatProgressBarHarness.with({ selector: '[data-testid=upload-overall-progress]' }),
    );
    expect(await overall.getValue()).toBe(100);
    expect(el().querySelector('[data-testid=upload-summary]')?.textContent).toContain('1 of 1 file, 8 B of 8 B');
    expect(completed).toEqual([{ feed: 'installers', path: 'builds/a.txt' }]);
    expect(el().querySelector('[aria-live=polite]')?.textContent).toContain('1 file uploaded');
    expect(server.files.get('builds/a.txt')?.body).toBe('abcdefgh');
  });

  it('sends a large file in parts with the right offsets and sizes, then completes', async () => {
    setUp({ partConcurrency: 2 });
    await fixture.whenStable();
    queue.add('installers', '', [{ file: file('big.bin', 25), relativePath: 'big.bin' }]);
    await settle();

    const parts = server.calls.filter((c) => c.query.get('multipart') === 'upload');
    expect(
      parts
        .map((c) => ({
          index: c.query.get('index'),
          offset: c.query.get('offset'),
          partSize: c.query.get('partSize'),
          totalSize: c.query.get('totalSize'),
          totalParts: c.query.get('totalParts'),
          bytes: c.request.body?.size,
        }))
        .sort((a, b) => Number(a.index) - Number(b.index)),
    ).toEqual([
      { index: '0', offset: '0', partSize: '10', totalSize: '25', totalParts: '3', bytes: 10 },
      { index: '1', offset: '10', partSize: '10', totalSize: '25', totalParts: '3', bytes: 10 },
      { index: '2', offset: '20', partSize: '5', totalSize: '25', totalParts: '3', bytes: 5 },
    ]);
    const ids = new Set(parts.map((c) => c.query.get('id')));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^[A-Za-z0-9_-]{1,100}$/);
    const last = server.calls[server.calls.length - 1];
    expect(last.method).toBe('POST');
    expect(last.query.get('multipart')).toBe('complete');
    expect(server.files.get('big.bin')?.body).toBe('abcdefghijklmnopqrstuvwxy');
    expect(item('big.bin').dataset['state']).toBe('done');
    expect(await itemProgress('big.bin')).toBe(100);
    expect(completed).toEqual([{ feed: 'installers', path: 'big.bin' }]);
  });

  it('after a network failure mid-upload asks the server which parts it has and sends only the missing ones', async () => {
    setUp();
    await fixture.whenStable();
    let dropped = false;
    server.intercept = (call) => {
      if (call.query.get('multipart') === 'upload' && call.query.get('index') === '1' && !dropped) {
        dropped = true;
        // The part reaches the server, but the connection drops before the answer.
        return server.serve(call).then(() => ({ status: 0, body: '' }));
      }
      return undefined;
    };
    queue.add('installers', '', [{ file: file('big.bin', 35), relativePath: 'big.bin' }]);
    await settle();

    expect(server.count((c) => c.query.get('multipart') === 'status')).toBe(1);
    expect(server.partsSent()).toEqual([0, 1, 2, 3]);
    expect(item('big.bin').dataset['state']).toBe('done');
    expect(server.files.get('big.bin')?.size).toBe(35);
  });

  it('retries a 503 after a pause; offline, it goes on as soon as the browser is back online', async () => {
    setUp({ retryDelays: [60_000] }); // only the online event can end this pause within the test
    const onLine = jest.spyOn(navigator, 'onLine', 'get').mockReturnValue(false);
    let answered = 0;
    server.intercept = (call) =>
      call.method === 'PUT' && answered++ === 0 ? { status: 503, body: 'Service Unavailable' } : undefined;
    await fixture.whenStable();
    queue.add('installers', '', [{ file: file('a.txt', 3), relativePath: 'a.txt' }]);
    await settle();
    expect(item('a.txt').dataset['state']).toBe('uploading');
    expect(item('a.txt').querySelector('.state')?.textContent).toContain('Reconnecting');
    expect(server.count((c) => c.method === 'PUT')).toBe(1);

    onLine.mockReturnValue(true);
    window.dispatchEvent(new Event('online'));
    await new Promise((resolve) => setTimeout(resolve, 600));
    await settle();
    expect(server.count((c) => c.method === 'PUT')).toBe(2);
    expect(item('a.txt').dataset['state']).toBe('done');
    onLine.mockRestore();
  });

  it('fails after repeated network failures, and Retry resumes from the parts the server kept', async () => {
    setUp();
    await fixture.whenStable();
    let down = false;
    server.intercept = (call) => {
      if (call.query.get('multipart') === 'upload' && call.query.get('index') === '2') down = true;
      return down ? { status: 0, body: '' } : undefined;
    };
    queue.add('installers', '', [{ file: file('big.bin', 35), relativePath: 'big.bin' }]);
    await settle();

    expect(item('big.bin').dataset['state']).toBe('failed');
    expect(item('big.bin').querySelector('[data-testid=upload-error]')?.textContent).toContain(
      'The connection to the server was lost',
    );
    expect(await itemProgress('big.bin')).toBe(57); // parts 0 and 1: 20 of 35 bytes
    expect(el().querySelector('[aria-live=polite]')?.textContent).toContain(
      'Uploads finished: 0 files uploaded, big.bin failed.',
    );

    down = false;
    server.intercept = undefined;
    const sentBefore = server.partsSent().length;
    await (await button('upload-retry', 'big.bin')).click();
    await settle();

    expect(server.calls.some((c) => c.query.get('multipart') === 'status')).toBe(true);
    expect(server.partsSent().slice(sentBefore)).toEqual([2, 3]);
    expect(item('big.bin').dataset['state']).toBe('done');
    expect(server.files.get('big.bin')?.size).toBe(35);
  });

  it('Cancel aborts the running request and completes nothing', async () => {
    setUp();
    await fixture.whenStable();
    server.intercept = (call) => (call.query.get('index') === '1' ? 'hold' : undefined);
    queue.add('installers', '', [{ file: file('big.bin', 35), relativePath: 'big.bin' }]);
    await settle();
    expect(item('big.bin').dataset['state']).toBe('uploading');
    const running = server.held[0];

    const cancel = await button('upload-cancel', 'big.bin');
    expect(await (await cancel.host()).getAttribute('aria-label')).toBe('Cancel upload of big.bin');
    await cancel.click();
    await settle();

    expect(running.request.signal?.aborted).toBe(true);
    expect(item('big.bin').dataset['state']).toBe('cancelled');
    expect(server.count((c) => c.query.get('multipart') === 'complete')).toBe(0);
    // The part stored before the cancel is dropped on the server at once ([ext] abort).
    const aborts = server.calls.filter((c) => c.query.get('multipart') === 'abort');
    expect(aborts.map((c) => [c.method, c.path])).toEqual([['POST', 'big.bin']]);
    expect(server.uploads.size).toBe(0);
    expect(server.files.has('big.bin')).toBe(false);
    expect(completed).toEqual([]);
  });

  it('Cancel all stops queued and running files; Clear finished empties the list', async () => {
    setUp({ fileConcurrency: 1 });
    await fixture.whenStable();
    server.intercept = (call) => (call.method === 'PUT' ? 'hold' : undefined);
    queue.add('installers', '', [
      { file: file('a.txt', 3), relativePath: 'a.txt' },
      { file: file('b.txt', 3), relativePath: 'b.txt' },
    ]);
    await settle();
    expect(item('a.txt').dataset['state']).toBe('uploading');
    expect(item('b.txt').dataset['state']).toBe('queued');

    await (await button('upload-cancel-all')).click();
    await settle();
    expect(item('a.txt').dataset['state']).toBe('cancelled');
    expect(item('b.txt').dataset['state']).toBe('cancelled');
    expect(server.held[0].aborted).toBe(true);
    expect(server.count((c) => c.method === 'PUT')).toBe(1);

    await (await button('upload-clear')).click();
    await settle();
    expect(el().querySelector('[data-testid=upload-panel]')).toBeNull();
  });

  describe('existing files', () => {
    beforeEach(async () => {
      setUp();
      server.files.set('docs/a.txt', { size: 1, body: 'x' });
      server.files.set('docs/big.bin', { size: 1, body: 'x' });
      await fixture.whenStable();
      queue.add('installers', 'docs', [
        { file: file('a.txt', 3), relativePath: 'a.txt' },
        { file: file('big.bin', 15), relativePath: 'big.bin' },
        { file: file('new.txt', 3), relativePath: 'new.txt' },
      ]);
      await settle();
    });

    it('asks once, listing them; Skip existing uploads only the new file, create-only', async () => {
      const dialog = await root.getHarness(MatDialogHarness);
      expect(await dialog.getTitleText()).toBe('Replace 2 existing files?');
      const text = await dialog.getContentText();
      expect(text).toContain('docs/a.txt');
      expect(text).toContain('docs/big.bin');
      expect(text).not.toContain('new.txt');
      expect(server.count((c) => c.op === 'content')).toBe(0);
      // Checked with one listing of the folder they go into: no GET metadata (a 404 per new file).
      expect(server.calls.filter((c) => c.op === 'dir').map((c) => `${c.method} ${c.path}?${c.query}`)).toEqual([
        'GET docs/?',
      ]);
      expect(server.count((c) => c.op === 'metadata')).toBe(0);

      await (await root.getHarness(MatButtonHarness.with({ selector: '[data-testid=overwrite-skip]' }))).click();
      await settle();

      expect(item('a.txt').dataset['state']).toBe('skipped');
      expect(item('big.bin').dataset['state']).toBe('skipped');
      expect(item('new.txt').dataset['state']).toBe('done');
      expect(server.calls.filter((c) => c.op === 'content').map((c) => `${c.method} ${c.path}`)).toEqual([
        'PUT docs/new.txt',
      ]);
      expect(server.files.get('docs/a.txt')?.body).toBe('x');
      expect(await root.getAllHarnesses(MatDialogHarness)).toHaveLength(0);
    });

    it('Replace all overwrites them (POST for a single request, chunked for a large one)', async () => {
      await (await root.getHarness(MatButtonHarness.with({ selector: '[data-testid=overwrite-replace]' }))).click();
      await settle();

      expect(item('a.txt').dataset['state']).toBe('done');
      expect(item('big.bin').dataset['state']).toBe('done');
      expect(item('new.txt').dataset['state']).toBe('done');
      const singles = server.calls.filter((c) => c.op === 'content' && !c.query.get('multipart'));
      expect(singles.map((c) => `${c.method} ${c.path}`).sort()).toEqual(['POST docs/a.txt', 'PUT docs/new.txt']);
      expect(server.files.get('docs/a.txt')?.body).toBe('abc');
      expect(server.files.get('docs/big.bin')?.size).toBe(15);
    });

    it('Cancel upload uploads nothing', async () => {
      await (await root.getHarness(MatButtonHarness.with({ selector: '[data-testid=overwrite-cancel]' }))).click();
      await settle();
      for (const name of ['a.txt', 'big.bin', 'new.txt']) expect(item(name).dataset['state']).toBe('cancelled');
      expect(server.count((c) => c.op === 'content')).toBe(0);
    });
  });

  it('sharedFolder is the deepest folder holding every path', () => {
    expect(sharedFolder(['a/b/c.txt', 'a/b/d/e.txt', 'A/B/f.txt'])).toBe('a/b');
    expect(sharedFolder(['a/b/c.txt', 'x.txt'])).toBe('');
    expect(sharedFolder(['ab/c.txt', 'a/d.txt'])).toBe('');
  });

  it('a big batch (a dropped folder) is checked with one listing of the target folder, not a request per file', async () => {
    setUp({ listingThreshold: 3 });
    server.files.set('docs/tree/sub/a.txt', { size: 1, body: 'x' });
    server.files.set('elsewhere/b.txt', { size: 1, body: 'x' });
    await fixture.whenStable();
    queue.add('installers', 'docs', [
      { file: file('A.txt', 3), relativePath: 'tree/sub/A.txt' },
      { file: file('b.txt', 3), relativePath: 'tree/b.txt' },
      { file: file('c.txt', 3), relativePath: 'tree/c.txt' },
    ]);
    await settle();

    // Paths compare case-insensitively, as on the server; files elsewhere do not count.
    const dialog = await root.getHarness(MatDialogHarness);
    expect(await dialog.getTitleText()).toBe('Replace 1 existing file?');
    // The folder they all go into: not the whole directory.
    expect(server.calls.filter((c) => c.op === 'dir').map((c) => `${c.path}?${c.query}`)).toEqual([
      'docs/tree/?recursive=true',
    ]);
    expect(server.count((c) => c.op === 'metadata')).toBe(0);
    await (await root.getHarness(MatButtonHarness.with({ selector: '[data-testid=overwrite-skip]' }))).click();
    await settle();
    expect(item('A.txt').dataset['state']).toBe('skipped');
    expect(item('c.txt').dataset['state']).toBe('done');
  });

  it("shows the server's 403 message and offers Retry", async () => {
    setUp();
    server.files.set('a.txt', { size: 1, body: 'x' });
    server.intercept = (call) => {
      if (call.method !== 'POST') return undefined;
      call.request.onProgress?.(3); // the body went out before the answer
      return { status: 403, body: 'Admin lacks the Overwrite privilege (Feeds_OverwritePackage) on installers.' };
    };
    await fixture.whenStable();
    queue.add('installers', '', [{ file: file('a.txt', 3), relativePath: 'a.txt' }]);
    await settle();
    await (await root.getHarness(MatButtonHarness.with({ selector: '[data-testid=overwrite-replace]' }))).click();
    await settle();

    expect(item('a.txt').dataset['state']).toBe('failed');
    expect(item('a.txt').querySelector('[data-testid=upload-error]')?.textContent).toContain(
      'lacks the Overwrite privilege',
    );
    expect(await itemProgress('a.txt')).toBe(0);
    const retry = await button('upload-retry', 'a.txt');
    expect(await (await retry.host()).getAttribute('aria-label')).toBe('Retry upload of a.txt');
    // A final answer is not retried by itself.
    expect(server.count((c) => c.method === 'POST')).toBe(1);
  });

  it('reports an ended session with a link to sign in again', async () => {
    setUp();
    server.intercept = (call) => (call.method === 'PUT' ? { status: 401, body: 'Sign in.' } : undefined);
    await fixture.whenStable();
    queue.add('installers', '', [{ file: file('a.txt', 3), relativePath: 'a.txt' }]);
    await settle();

    expect(item('a.txt').querySelector('[data-testid=upload-error]')?.textContent).toContain(
      'Your session ended: sign in and retry.',
    );
    const link = el().querySelector<HTMLAnchorElement>('[data-testid=upload-sign-in]');
    expect(link?.getAttribute('href')).toContain('/sign-in?returnUrl=');
  });

  it('collapses the list but keeps the overall progress', async () => {
    setUp();
    await fixture.whenStable();
    queue.add('installers', '', [{ file: file('a.txt', 3), relativePath: 'a.txt' }]);
    await settle();
    const toggle = await button('upload-toggle');
    expect(await (await toggle.host()).getAttribute('aria-expanded')).toBe('true');
    await toggle.click();
    expect(await (await toggle.host()).getAttribute('aria-expanded')).toBe('false');
    expect(el().querySelector<HTMLElement>('#upload-list')?.hidden).toBe(true);
    expect(el().querySelector('[data-testid=upload-overall-progress]')).not.toBeNull();
  });
});
