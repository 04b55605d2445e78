import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import {
  ADMIN_PASSWORD,
  accessibilityProblems,
  type ConsoleRun,
  SCREENSHOTS,
  screenshot,
  signIn,
  startConsole,
} from '../support/console';

/** Every main page at a laptop's 1280×720: accessible, no horizontal scrolling, no layout jumps. */
describe('console: every main page on a laptop screen', () => {
  let run: ConsoleRun;
  let page: Page;
  const metrics: Record<string, { layoutShift: number; transferBytes?: number }> = {};

  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${run.server.url}${path}`, {
      method,
      headers: { Authorization: run.server.adminAuth, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    run = await startConsole();
    await api('POST', '/api/management/feeds/create', { name: 'releases', feedType: 'asset', description: 'Builds' });
    await api('PUT', '/endpoints/releases/content/v1/notes.md', '# Release 1\n\nFixed things.\n');
    await api('PUT', '/endpoints/releases/content/v1/app.zip', 'PK');
    await api('POST', '/api/shares', { feed: 'releases', path: 'v1/notes.md', expiresInMinutes: 60, maxDownloads: 3 });
    ({ page } = await run.open('/', { width: 1280, height: 720 }));
    await signIn(page, 'Admin', ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await writeFile(join(SCREENSHOTS, 'metrics.json'), JSON.stringify(metrics, null, 2)).catch(() => undefined);
    await run?.close();
  });

  it('the first load of the console is small', async () => {
    const { page: fresh } = await run.open('/', { width: 1280, height: 720 });
    await fresh.getByRole('heading', { level: 1 }).waitFor();
    const bytes = await fresh.evaluate(() =>
      [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')].reduce(
        (sum, e) => sum + (e as PerformanceResourceTiming).encodedBodySize,
        0,
      ),
    );
    metrics['first-load'] = { layoutShift: await layoutShift(fresh), transferBytes: bytes };
    // Not a speed figure: the size the browser had to fetch (uncompressed: no compression configured).
    expect(bytes).toBeLessThan(1024 * 1024);
  });

  const pages: [string, string, string][] = [
    ['directories', '/', 'Asset directories'],
    ['browse', '/feeds/releases/browse/v1', 'releases'],
    ['file', '/feeds/releases/files/v1/notes.md', 'notes.md'],
    ['manage-settings', '/feeds/releases/manage/settings', 'releases'],
    ['manage-storage', '/feeds/releases/manage/storage', 'releases'],
    ['manage-retention', '/feeds/releases/manage/retention', 'releases'],
    ['manage-permissions', '/feeds/releases/manage/permissions', 'releases'],
    ['manage-shares', '/feeds/releases/manage/shares', 'releases'],
    ['manage-connector', '/feeds/releases/manage/connector', 'releases'],
    ['manage-webhooks', '/feeds/releases/manage/webhooks', 'releases'],
    ['admin-users', '/admin/users', ''],
    ['admin-groups', '/admin/groups', ''],
    ['admin-roles', '/admin/roles', ''],
    ['admin-privileges', '/admin/privileges', ''],
    ['admin-api-keys', '/admin/api-keys', ''],
    ['admin-audit', '/admin/audit', ''],
    ['admin-retention', '/admin/retention', ''],
    ['admin-sso', '/admin/sso', ''],
    ['admin-replication', '/admin/replication', ''],
    ['admin-webhooks', '/admin/webhooks', ''],
  ];

  it.each(pages)('%s (%s)', async (name, path, heading) => {
    await page.goto(path);
    await page
      .getByRole('heading', { level: 1, name: heading ? new RegExp(escape(heading)) : undefined })
      .first()
      .waitFor();
    await page.waitForLoadState('networkidle');
    const shift = await layoutShift(page);
    metrics[name] = { layoutShift: shift };
    await screenshot(page, `page-${name}`);
    expect(await accessibilityProblems(page)).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    expect(shift).toBeLessThan(0.1);
  });

  it('no page did anything its Content-Security-Policy blocked', () => {
    expect(run.cspViolations).toEqual([]);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Cumulative layout shift since the page loaded (Chromium's layout-shift entries). */
async function layoutShift(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        let total = 0;
        new PerformanceObserver((list) => {
          for (const e of list.getEntries() as unknown as { value: number; hadRecentInput: boolean }[]) {
            if (!e.hadRecentInput) total += e.value;
          }
        }).observe({ type: 'layout-shift', buffered: true });
        setTimeout(() => resolve(total), 500);
      }),
  );
}
