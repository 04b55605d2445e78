import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { cloudBackends } from '../../api/test/support/cloud-backends';
import { ADMIN_PASSWORD, type ConsoleRun, screenshot, signIn, startConsole } from '../support/console';

const MiB = 1024 * 1024;
const OPTION: Record<string, RegExp> = { s3: /Amazon S3/, azure: /Azure Blob/ };

/** The same console on every storage backend: storage set in the Storage tab, then uploads land there. */
describe.each(cloudBackends)('console on $name', (backend) => {
  let run: ConsoleRun;
  let page: Page;
  let work: string;
  let emulator: Awaited<ReturnType<typeof backend.start>>;

  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${run.server.url}${path}`, {
      method,
      headers: { Authorization: run.server.adminAuth, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'stockroom-e2e-cloud-'));
    emulator = await backend.start();
    run = await startConsole();
    await api('POST', '/api/management/feeds/create', { name: 'cloud', feedType: 'asset' });
    ({ page } = await run.open('/feeds/cloud/manage/storage'));
    await signIn(page, 'Admin', ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await run?.close();
    await emulator?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('the Storage tab tests the connection, then saves the settings', async () => {
    const { id, properties } = emulator.settings;
    await page.getByTestId('storage-provider').click();
    await page.getByRole('option', { name: OPTION[id] }).click();
    for (const [name, value] of Object.entries(properties)) {
      if (typeof value === 'boolean') {
        const box = page.getByRole('checkbox', { name, exact: true });
        if ((await box.isChecked()) !== value) await box.click();
      } else {
        await page.getByLabel(name, { exact: true }).fill(String(value));
      }
    }
    await page.getByTestId('storage-test').click();
    const result = page.getByTestId('storage-test-result');
    await result.waitFor();
    expect(await result.getAttribute('class')).toMatch(/\bok\b/);
    await screenshot(page, `11-storage-test-${id}`);
    await page.getByTestId('storage-save').click();
    for (let i = 0; i < 50; i++) {
      if ((await (await api('GET', '/api/storage?feed=cloud')).json()).id === id) break;
      await page.waitForTimeout(100);
    }
    expect((await (await api('GET', '/api/storage?feed=cloud')).json()).id).toBe(id);
  });

  it('uploads a 20 MiB file in parts and a small one; the storage holds them intact', async () => {
    await page.goto('/feeds/cloud/browse');
    const big = Buffer.alloc(20 * MiB);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i ^ 0x5a5a5a5a, i);
    await writeFile(join(work, 'firmware.bin'), big);
    await writeFile(join(work, 'notes.txt'), `notes for ${backend.name}\n`);
    const chooser = page.waitForEvent('filechooser');
    await page.getByTestId('upload-files').click();
    await (await chooser).setFiles([join(work, 'firmware.bin'), join(work, 'notes.txt')]);
    for (const name of ['firmware.bin', 'notes.txt']) {
      await page
        .locator(`[data-testid="upload-item"][data-name="${name}"][data-state="done"]`)
        .waitFor({ timeout: 120_000 });
      await page.locator(`[data-testid="entry-row"][data-name="${name}"]`).waitFor();
    }
    await screenshot(page, `12-uploaded-${emulator.settings.id}`);

    const meta = await (await api('GET', '/endpoints/cloud/metadata/firmware.bin')).json();
    expect(meta.size).toBe(big.length);
    expect(meta.sha256).toBe(createHash('sha256').update(big).digest('hex'));
    const served = Buffer.from(await (await api('GET', '/endpoints/cloud/content/firmware.bin')).arrayBuffer());
    expect(served.equals(big)).toBe(true);
    expect(await (await api('GET', '/endpoints/cloud/content/notes.txt')).text()).toBe(`notes for ${backend.name}\n`);
  });

  it("moves the directory's files back to disk from the Storage tab, showing the move to its end", async () => {
    await page.goto('/feeds/cloud/manage/storage');
    await page.getByTestId('storage-provider').click();
    await page.getByRole('option', { name: 'Disk' }).click();
    await page.getByTestId('storage-save').click();
    const move = page.getByTestId('move-progress');
    await move.getByRole('heading', { name: 'Move completed' }).waitFor({ timeout: 120_000 });
    expect(await move.innerText()).toMatch(/2 of 2 files/);
    await screenshot(page, `13-moved-back-${emulator.settings.id}`);
    expect((await (await api('GET', '/api/storage?feed=cloud')).json()).id).toBe('disk');
    expect(await (await api('GET', '/endpoints/cloud/content/notes.txt')).text()).toBe(`notes for ${backend.name}\n`);
  });
});
