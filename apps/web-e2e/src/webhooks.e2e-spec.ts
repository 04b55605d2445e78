import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import {
  ADMIN_PASSWORD,
  type ConsoleRun,
  accessibilityProblems,
  screenshot,
  signIn,
  startConsole,
} from '../support/console';

const SECRET = 'console-webhook-secret-0123';

/** What a delivery's JSON body holds (the contracts' WebhookEventBody, as far as this test reads it). */
interface WebhookEventBody {
  id: string;
  type: string;
  directory: string | null;
  path: string | null;
}

interface Received {
  headers: IncomingHttpHeaders;
  body: WebhookEventBody;
  signed: boolean;
}

/** `X-Stockroom-Signature: t=…,v1=…`, checked as a receiver would. */
function verify(header: string | undefined, body: string): boolean {
  const parts = Object.fromEntries((header ?? '').split(',').map((p) => p.split('=', 2) as [string, string]));
  const expected = createHmac('sha256', SECRET).update(`${parts['t']}.${body}`).digest();
  const given = Buffer.from(parts['v1'] ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Webhooks in the console (issue 20): one made in a directory's Webhooks tab, a test event sent to a
 * small receiver in this test (its signature checked), the delivery's attempts and body in the log,
 * and the webhook on the administration page.
 */
describe('console: webhooks', () => {
  let run: ConsoleRun;
  let page: Page;
  let receiver: Server;
  let receiverUrl: string;
  const received: Received[] = [];
  /** Resolves the waiters each time the receiver gets something. */
  let arrivals: (() => void)[] = [];

  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${run.server.url}${path}`, {
      method,
      headers: { Authorization: run.server.adminAuth, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });

  /** Waits until the receiver got an event of `type` (as many arrivals as it takes; jest's timeout bounds it). */
  async function receivedEvent(type: string): Promise<Received> {
    for (;;) {
      const found = received.find((r) => r.body.type === type);
      if (found) return found;
      await new Promise<void>((resolve) => arrivals.push(resolve));
    }
  }

  /** Clicks Refresh in the deliveries dialog until the delivery shows `state` (the server records it after answering). */
  async function refreshUntil(selector: string): Promise<void> {
    const dialog = page.getByTestId('webhook-deliveries-dialog');
    for (;;) {
      const response = page.waitForResponse((r) =>
        /\/api\/webhooks\/[^/]+\/deliveries$/.test(new URL(r.url()).pathname),
      );
      await dialog.getByTestId('deliveries-refresh').click();
      await response;
      if ((await dialog.locator(selector).count()) > 0) return;
    }
  }

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        received.push({
          headers: req.headers,
          body: JSON.parse(text) as WebhookEventBody,
          signed: verify(req.headers['x-stockroom-signature'] as string | undefined, text),
        });
        res.writeHead(204).end();
        const waiting = arrivals;
        arrivals = [];
        for (const resolve of waiting) resolve();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/events`;
    run = await startConsole((port) => ({
      STOCKROOM_BASE_URL: `http://127.0.0.1:${port}`,
      STOCKROOM_ENCRYPTION_KEY: 'console-webhooks-encryption-key',
    }));
    expect((await api('POST', '/api/management/feeds/create', { name: 'events', feedType: 'asset' })).ok).toBe(true);
    ({ page } = await run.open('/feeds/events/manage/webhooks'));
    await signIn(page, 'Admin', ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await run?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it("creates a directory's webhook in the Webhooks tab", async () => {
    await page.getByTestId('webhooks-empty').waitFor();
    await page.getByTestId('webhook-new').click();
    const dialog = page.getByTestId('webhook-dialog');
    await dialog.waitFor();
    await page.locator('.mdc-dialog--open:not(.mdc-dialog--opening)').waitFor();
    await dialog.getByTestId('webhook-url').fill(receiverUrl);
    await dialog.getByTestId('webhook-secret').fill(SECRET);
    await dialog.getByTestId('webhook-event-webhook.test').getByRole('checkbox').check();
    await screenshot(page, '60-webhook-dialog');
    expect(await accessibilityProblems(page)).toEqual([]);
    const created = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/api/webhooks'));
    await dialog.getByTestId('webhook-create').click();
    expect((await created).status()).toBe(201);
    const row = page.getByTestId('webhook-row').filter({ hasText: receiverUrl });
    await row.waitFor();
    expect(await row.getAttribute('data-active')).toBe('true');
    expect(await row.innerText()).toContain('webhook.test');
    await screenshot(page, '61-webhooks-tab');
    expect(await accessibilityProblems(page)).toEqual([]);
  });

  it('sends a test event: the receiver gets it signed, and the log shows the delivery with its attempt and body', async () => {
    const row = page.getByTestId('webhook-row').filter({ hasText: receiverUrl });
    await row.getByTestId('webhook-deliveries').click();
    const dialog = page.getByTestId('webhook-deliveries-dialog');
    await dialog.getByTestId('deliveries-empty').waitFor();
    const queued = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/test'));
    await dialog.getByTestId('deliveries-test').click();
    expect((await queued).status()).toBe(202);

    const event = await receivedEvent('webhook.test');
    expect(event.signed).toBe(true);
    expect(event.headers['x-stockroom-event']).toBe('webhook.test');
    expect(event.headers['x-stockroom-delivery']).toBe(event.body.id);

    await refreshUntil('[data-testid=delivery-row][data-state=delivered]');
    const delivery = dialog.locator('[data-testid=delivery-row][data-event="webhook.test"]');
    expect(await delivery.getByTestId('delivery-attempts').innerText()).toBe('1');
    await delivery.getByTestId('delivery-details').click();
    const detail = page.getByTestId('delivery-detail');
    await detail.waitFor();
    expect(await detail.getByTestId('attempt-status').allInnerTexts()).toEqual(['204']);
    const body = JSON.parse(await detail.getByTestId('delivery-body').innerText()) as WebhookEventBody;
    expect(body.id).toBe(event.body.id);
    expect(body.type).toBe('webhook.test');
    await screenshot(page, '62-webhook-delivery');
    expect(await accessibilityProblems(page)).toEqual([]);

    // Redeliver: the same event again, a second attempt in the log.
    const before = received.filter((r) => r.body.id === event.body.id).length;
    await detail.getByTestId('delivery-redeliver').click();
    while (received.filter((r) => r.body.id === event.body.id).length === before) {
      await new Promise<void>((resolve) => arrivals.push(resolve));
    }
    for (;;) {
      await refreshUntil('[data-testid=delivery-row][data-state=delivered]');
      if ((await detail.getByTestId('attempt-status').count()) === 2) break;
    }
    expect(await detail.getByTestId('attempt-status').allInnerTexts()).toEqual(['204', '204']);
    await page.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  it('delivers a file upload to the webhook, and lists the webhook on the administration page', async () => {
    expect((await api('PUT', '/endpoints/events/content/docs/new.txt', 'hello')).status).toBe(201);
    const created = await receivedEvent('file.created');
    expect(created.signed).toBe(true);
    expect(created.body.directory).toBe('events');
    expect(created.body.path).toBe('docs/new.txt');

    await page.goto('/admin/webhooks');
    const row = page.getByTestId('webhook-row').filter({ hasText: receiverUrl });
    await row.waitFor();
    expect(await row.getByTestId('webhook-feed').innerText()).toBe('events');
    await screenshot(page, '63-admin-webhooks');
    expect(await accessibilityProblems(page)).toEqual([]);

    // Disabled: no more deliveries are made for it.
    const patched = page.waitForResponse((r) => r.request().method() === 'PATCH');
    await row.getByTestId('webhook-active').click();
    expect((await patched).status()).toBe(200);
    await page.locator('[data-testid=webhook-row][data-active=false]').waitFor();
    const hooks = (await (await api('GET', '/api/webhooks?feed=events')).json()) as { active: boolean }[];
    expect(hooks.map((h) => h.active)).toEqual([false]);
  });
});
