import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import * as yauzl from 'yauzl';
import { zipOf } from '../../api/test/support/fixtures';
import { ADMIN_PASSWORD, type ConsoleRun, screenshot, signIn, startConsole } from '../support/console';

const MiB = 1024 * 1024;

describe('console: a directory from creation to export', () => {
  let run: ConsoleRun;
  let page: Page;
  let work: string;

  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${run.server.url}${path}`, {
      method,
      headers: {
        Authorization: run.server.adminAuth,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'stockroom-e2e-'));
    run = await startConsole();
    ({ page } = await run.open('/'));
    await signIn(page, 'Admin', ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await run?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('creates a directory, checking the name as it is typed and showing the server refusing a taken one', async () => {
    await page.getByTestId('create-directory').click();
    const name = page.getByTestId('directory-name-input');
    await name.fill('bad name!');
    await page
      .getByRole('dialog')
      .getByText(/are allowed, not spaces, “!”/)
      .waitFor();
    await screenshot(page, '02-create-directory-invalid');
    // Submitting an invalid name sends nothing: the directory does not exist afterwards.
    await page.getByTestId('directory-create-submit').click();
    expect((await api('GET', '/api/management/feeds/get/bad%20name!')).status).toBe(404);
    await name.fill('installers');
    await page.getByTestId('directory-create-submit').click();
    await page.locator('[data-testid="directory-row"][data-name="installers"]').waitFor();

    // The server's own refusal (a taken name, in another case) is shown with its message.
    await page.getByTestId('create-directory').click();
    await page.getByTestId('directory-name-input').fill('INSTALLERS');
    await page.getByTestId('directory-create-submit').click();
    await page
      .getByRole('dialog')
      .getByText(/already exists/i)
      .waitFor();
    await screenshot(page, '02-create-directory-taken');
    await page.keyboard.press('Escape');
    await screenshot(page, '03-directories');
  });

  it('uploads a small file and a 50 MiB file, the progress bar reaching 100 %', async () => {
    await page
      .locator('[data-testid="directory-row"][data-name="installers"]')
      .getByRole('link', { name: 'installers', exact: true })
      .click();
    await page.waitForURL((url) => url.pathname === '/feeds/installers/browse');

    const small = join(work, 'readme.txt');
    await writeFile(small, 'hello from the console\n');
    const big = join(work, 'big.bin');
    const bigContent = Buffer.alloc(50 * MiB);
    for (let i = 0; i < bigContent.length; i += 4096) bigContent.writeUInt32LE(i, i);
    await writeFile(big, bigContent);

    // Checking whether the files exist costs no 404 (which Chromium would log in its console).
    const notFound: string[] = [];
    const onResponse = (r: { status(): number; url(): string }) => {
      if (r.status() === 404) notFound.push(r.url());
    };
    page.on('response', onResponse);
    const chooser = page.waitForEvent('filechooser');
    await page.getByTestId('upload-files').click();
    await (await chooser).setFiles([small, big]);

    const bigItem = page.locator('[data-testid="upload-item"][data-name="big.bin"]');
    const seen = await watchProgress(bigItem.getByTestId('upload-item-progress'));
    await page
      .locator('[data-testid="upload-item"][data-name="big.bin"][data-state="done"]')
      .waitFor({ timeout: 120_000 });
    const values = await seen.stop();
    expect(values.at(-1)).toBe(100);
    expect(values.some((v) => v > 0 && v < 100)).toBe(true);
    await page.locator('[data-testid="upload-item"][data-name="readme.txt"][data-state="done"]').waitFor();
    page.off('response', onResponse);
    expect(notFound).toEqual([]);
    await screenshot(page, '04-upload-done');

    await entry(page, 'big.bin').waitFor();
    await entry(page, 'readme.txt').waitFor();
    const meta = await (await api('GET', '/endpoints/installers/metadata/big.bin')).json();
    expect(meta.size).toBe(50 * MiB);
    expect(meta.sha256).toBe(createHash('sha256').update(bigContent).digest('hex'));
  });

  it('opens a nested folder by deep link, and a reload lands in the same place', async () => {
    expect((await api('PUT', '/endpoints/installers/content/tools/win/setup.exe', 'MZ')).status).toBe(201);
    await page.goto('/feeds/installers/browse/tools/win');
    await entry(page, 'setup.exe').waitFor();
    await page.reload();
    await entry(page, 'setup.exe').waitFor();
    const crumbs = page.getByTestId('breadcrumbs');
    expect(await crumbs.innerText()).toMatch(/installers[\s\S]*tools[\s\S]*win/);
    await crumbs.getByRole('link', { name: 'tools' }).click();
    await page.waitForURL((url) => url.pathname === '/feeds/installers/browse/tools');
    await entry(page, 'win').waitFor();
    await screenshot(page, '05-browse-folder');
  });

  it('sets a media type on the file page and the file is then served with it', async () => {
    await page.goto('/feeds/installers/browse');
    await entry(page, 'readme.txt').getByRole('link', { name: 'readme.txt', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/feeds/installers/files/readme.txt');
    await page.getByTestId('preview-text').filter({ hasText: 'hello from the console' }).waitFor();
    await page.getByTestId('set-media-type').click();
    await page.getByTestId('media-type-input').fill('text/x-release-notes');
    await page.getByTestId('save-media-type').click();
    await page.getByTestId('media-type').filter({ hasText: 'text/x-release-notes' }).waitFor();
    await screenshot(page, '06-file-page');

    const served = await fetch(`${run.server.url}/endpoints/installers/content/readme.txt`, {
      headers: { Authorization: run.server.adminAuth },
    });
    expect(served.headers.get('content-type')).toMatch(/^text\/x-release-notes/);
  });

  it('imports a zip with a result summary, then exports the folder back as a zip', async () => {
    const zip = join(work, 'drivers.zip');
    await writeFile(zip, await zipOf({ 'drivers/a.inf': 'a', 'drivers/sub/b.sys': 'bb', 'notes.txt': 'n' }));
    await page.goto('/feeds/installers/browse');
    await page.getByTestId('import-archive').click();
    await page.getByTestId('import-file-input').setInputFiles(zip);
    await page.getByTestId('import-submit').click();
    await page
      .getByTestId('import-summary')
      .filter({ hasText: /3 created/i })
      .waitFor();
    await screenshot(page, '07-import-summary');
    await page.keyboard.press('Escape');
    await entry(page, 'drivers').waitFor();

    await page.goto('/feeds/installers/browse/drivers');
    await entry(page, 'a.inf').waitFor();
    const download = page.waitForEvent('download');
    await page.getByTestId('export-zip').click();
    const saved = join(work, 'exported.zip');
    await (await download).saveAs(saved);
    expect((await zipEntries(await readFile(saved))).sort()).toEqual(['a.inf', 'sub/b.sys']);
  });

  it('deletes a file only after the confirmation, and the server no longer has it', async () => {
    await page.goto('/feeds/installers/browse');
    await entry(page, 'notes.txt').getByTestId('delete-entry').click();
    const dialog = page.getByRole('alertdialog');
    await dialog.getByText('notes.txt').first().waitFor();
    await screenshot(page, '08-delete-confirmation');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await api('GET', '/endpoints/installers/metadata/notes.txt')).status).toBe(200);

    await entry(page, 'notes.txt').getByTestId('delete-entry').click();
    await page.getByRole('alertdialog').getByTestId('confirm').click();
    await entry(page, 'notes.txt').waitFor({ state: 'detached' });
    expect((await api('GET', '/endpoints/installers/metadata/notes.txt')).status).toBe(404);
  });

  it('uploads a whole folder keeping its structure, asking before replacing the one file that exists', async () => {
    const tree = join(work, 'release-7');
    for (let i = 0; i < 24; i++) {
      await mkdir(join(tree, `part-${i % 3}`), { recursive: true });
      await writeFile(join(tree, `part-${i % 3}`, `file-${i}.txt`), `file ${i}`);
    }
    await writeFile(join(tree, 'README.md'), 'new readme');
    expect((await api('PUT', '/endpoints/installers/content/release-7/README.md', 'old readme')).status).toBe(201);

    await page.goto('/feeds/installers/browse');
    const checks: string[] = [];
    page.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (r.method() === 'GET' && /\/(metadata|dir)\/release-7/.test(path)) checks.push(path);
    });
    const chooser = page.waitForEvent('filechooser');
    await page.getByTestId('upload-folder').click();
    await (await chooser).setFiles(tree);
    const dialog = page.getByTestId('overwrite-dialog');
    await dialog.getByText('release-7/README.md').waitFor();
    await screenshot(page, '08a-overwrite-question');
    await page.getByTestId('overwrite-skip').click();
    await page.locator('[data-testid="upload-item"][data-name="README.md"][data-state="skipped"]').waitFor();
    await page.waitForFunction(
      () =>
        document.querySelectorAll('[data-testid="upload-item"][data-name^="file-"][data-state="done"]').length === 24,
    );

    const listed = await (await api('GET', '/endpoints/installers/dir/release-7/?recursive=true')).json();
    const files = listed
      .filter((i: { type: string }) => i.type !== 'dir')
      .map((i: { parent: string; name: string }) => `${i.parent}/${i.name}`);
    expect(files).toHaveLength(25);
    expect(files).toContain('release-7/part-2/file-23.txt');
    expect(await (await api('GET', '/endpoints/installers/content/release-7/README.md')).text()).toBe('old readme');
    // 25 files checked with one listing of the folder they go into, not 25 look-ups.
    expect(checks).toEqual(['/endpoints/installers/dir/release-7/']);
  });

  it('a user without the Add privilege sees no upload button, and the API refuses an upload anyway', async () => {
    expect((await api('POST', '/api/security/users', { userName: 'viewer', password: 'viewer-password' })).status).toBe(
      201,
    );
    const grant = await api('POST', '/api/security/privileges', {
      principalType: 'user',
      principalName: 'viewer',
      role: 'View & Download',
      feed: 'installers',
    });
    expect(grant.status).toBe(201);
    const { page: viewer } = await run.open('/feeds/installers/browse');
    await signIn(viewer, 'viewer', 'viewer-password');
    await entry(viewer, 'readme.txt').waitFor();
    expect(await viewer.getByTestId('upload-files').count()).toBe(0);
    expect(await viewer.getByTestId('delete-entry').count()).toBe(0);
    await screenshot(viewer, '09-viewer-browse');

    // The same session, straight at the API: refused with the reason.
    const refused = await viewer.evaluate(async () => {
      const xsrf = document.cookie.match(/(?:^|; )XSRF-TOKEN=([^;]*)/)?.[1] ?? '';
      const res = await fetch('/endpoints/installers/content/sneaky.txt', {
        method: 'PUT',
        body: 'nope',
        headers: { 'X-XSRF-TOKEN': decodeURIComponent(xsrf), 'X-Requested-With': 'XMLHttpRequest' },
      });
      return { status: res.status, body: await res.text() };
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatch(/Feeds_AddPackage/);
    expect((await api('GET', '/endpoints/installers/metadata/sneaky.txt')).status).toBe(404);
  });

  it('an API error is shown with its message and a way back', async () => {
    await page.goto('/feeds/no-such-directory/browse');
    const banner = page.getByRole('alert').filter({ hasText: /no-such-directory/ });
    await banner.waitFor();
    expect(await banner.innerText()).toMatch(/not found/i);
    await screenshot(page, '10-api-error');
    await banner.getByRole('link', { name: /back/i }).click();
    await page.waitForURL((url) => url.pathname === '/');
  });
});

/** The listing's row of `name` in the current folder. */
function entry(page: Page, name: string): Locator {
  return page.locator(`[data-testid="entry-row"][data-name="${name}"]`);
}

/** Samples a Material progress bar's value (aria-valuenow) until stopped. */
async function watchProgress(bar: Locator): Promise<{ stop(): Promise<number[]> }> {
  const values: number[] = [];
  let running = true;
  const sampling = (async () => {
    while (running) {
      const value = await bar.getAttribute('aria-valuenow', { timeout: 1000 }).catch(() => null);
      if (value !== null && Number(value) !== values.at(-1)) values.push(Number(value));
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    async stop() {
      running = false;
      await sampling;
      const last = await bar.getAttribute('aria-valuenow', { timeout: 1000 }).catch(() => null);
      if (last !== null && Number(last) !== values.at(-1)) values.push(Number(last));
      return values;
    },
  };
}

function zipEntries(zip: Buffer): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (err, file) => {
      if (err || !file) return reject(err);
      const names: string[] = [];
      file.on('entry', (e: yauzl.Entry) => {
        if (!e.fileName.endsWith('/')) names.push(e.fileName);
        file.readEntry();
      });
      file.on('end', () => resolve(names));
      file.on('error', reject);
      file.readEntry();
    });
  });
}
