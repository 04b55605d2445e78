import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ADMIN_PASSWORD, basicAuth, startTestApp, type TestApp } from '../../api/test/support/test-app';

const ROOT = resolve(__dirname, '../../..');
export const SCREENSHOTS = join(ROOT, 'dist', 'e2e-screenshots');
export { ADMIN_PASSWORD, basicAuth, startTestApp, type TestApp };

/** The real server (in-process, its own database) serving the built console, and Chromium. */
export interface ConsoleRun {
  server: TestApp;
  browser: Browser;
  /** What Chromium reported as blocked by a Content-Security-Policy, on every page opened (`url: message`). */
  cspViolations: string[];
  /** A fresh browser context (no cookies) with a page on the console at `path`. */
  open(path?: string, options?: { width?: number; height?: number }): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
}

/** `env` as for {@link startTestApp}: settings, or settings made from the server's port. */
export async function startConsole(
  env: Record<string, string> | ((port: number) => Record<string, string>) = {},
): Promise<ConsoleRun> {
  const consoleDir = process.env.STOCKROOM_CONSOLE_DIR ?? join(ROOT, 'dist', 'apps', 'web', 'browser');
  const server = await startTestApp((port) => ({
    STOCKROOM_CONSOLE_DIR: consoleDir,
    ...(typeof env === 'function' ? env(port) : env),
  }));
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath: process.env.STOCKROOM_CHROMIUM ?? '/usr/bin/chromium',
      // Chromium as root needs --no-sandbox; the rest keeps it off the (closed) network.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  } catch (e) {
    await server.close();
    throw e;
  }
  const contexts: BrowserContext[] = [];
  const cspViolations: string[] = [];
  return {
    server,
    browser,
    cspViolations,
    async open(path = '/', options = {}) {
      const context = await browser.newContext({
        baseURL: server.url,
        viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
        acceptDownloads: true,
      });
      contexts.push(context);
      const page = await context.newPage();
      page.on('console', (m) => {
        if (/content security policy/i.test(m.text())) cspViolations.push(`${page.url()}: ${m.text()}`);
      });
      await page.goto(path);
      return { context, page };
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await server.close();
    },
  };
}

/** Signs in through the console's sign-in page and waits until the console shows the user. */
export async function signIn(page: Page, userName: string, password: string): Promise<void> {
  // Either the sign-in page (a page that needed a user sent us there, once its request got a 401)
  // or a page with the link to it: wait until the page has asked the server what it needs.
  await page.waitForLoadState('networkidle');
  const form = page.getByLabel('User name');
  if (!new URL(page.url()).pathname.startsWith('/sign-in')) await page.locator('mat-toolbar a.sign-in').click();
  await form.fill(userName);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await accountMenu(page).waitFor();
}

/** The user's menu button, once it works (it loads when the page is idle). */
export function accountMenu(page: Page) {
  return page.locator('button.user-menu[aria-haspopup]');
}

/** A full-page screenshot under dist/e2e-screenshots (not committed), to look at after a run. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * Runs axe-core (WCAG 2.1 A/AA rules: labels, names, contrast, landmarks…) on the page as it is and
 * returns the serious and critical violations, one line each, so a test can expect none.
 */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  // Evaluated through DevTools, not added as an inline <script>: the console's CSP refuses those.
  await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: unknown[] }> } })
      .axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa'] } });
    return result.violations;
  });
  return (violations as AxeViolation[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}
