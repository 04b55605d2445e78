import type { AssetItem, Webhook, WebhookDelivery, WebhookEventBody, WebhookTestResult } from '@stockroom/contracts';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { Clock } from '../../src/common/clock';
import { UnitOfWork } from '../../src/database/unit-of-work';
import { ChangeEventsService } from '../../src/modules/events/change-events.service';
import { createFeed, eventually, zipOf } from '../support/fixtures';
import { raw, RawResponse } from '../support/http';
import { basicAuth, startTestApp, TestApp } from '../support/test-app';

/**
 * [ext] Webhooks (issue 20), over real HTTP: a receiver in the test verifies every signature; the
 * server delivers from the transactional outbox in the background. Simulated time (Clock.travel) for
 * the retries; no assertion depends on how fast anything is.
 */

const SECRET = 'webhook-secret-0123456789';
const PASSWORD = 'webhooks-password-1';
const ENCRYPTION_KEY = 'webhooks-e2e-encryption-key';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

interface Received {
  headers: IncomingHttpHeaders;
  body: WebhookEventBody;
  raw: string;
}

/** `X-Stockroom-Signature: t=…,v1=…` checked as a receiver would (the README's few lines). */
function verify(secret: string, header: string | undefined, body: string): boolean {
  const parts = Object.fromEntries((header ?? '').split(',').map((p) => p.split('=', 2) as [string, string]));
  const expected = createHmac('sha256', secret).update(`${parts['t']}.${body}`).digest();
  const given = Buffer.from(parts['v1'] ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A webhook receiver: answers as `mode` says, and keeps what it got (signature verified) per path. */
class Receiver {
  mode: 'ok' | 'down' | 'hang' = 'ok';
  readonly got = new Map<string, Received[]>();
  readonly badSignatures: string[] = [];
  private readonly hanging: ServerResponse[] = [];
  private server!: Server;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (this.mode === 'hang') {
          this.hanging.push(res);
          return;
        }
        if (this.mode === 'down') {
          res.writeHead(503).end('down');
          return;
        }
        if (!verify(SECRET, req.headers['x-stockroom-signature'] as string, text)) this.badSignatures.push(text);
        const list = this.got.get(req.url ?? '') ?? [];
        list.push({ headers: req.headers, body: JSON.parse(text) as WebhookEventBody, raw: text });
        this.got.set(req.url ?? '', list);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  at(path: string): Received[] {
    return this.got.get(path) ?? [];
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('webhooks', () => {
  let t: TestApp;
  let clock: Clock;
  const receiver = new Receiver();

  const api = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}, app = t) =>
    raw(app.url, method, path, {
      headers: { 'Content-Type': 'application/json', Authorization: app.adminAuth, ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  const json = <T>(res: RawResponse, status: number): T => {
    expect([res.status, res.text]).toEqual([status, expect.anything()]);
    return JSON.parse(res.text) as T;
  };
  const content = (method: string, feed: string, path: string, body?: Buffer | string) =>
    raw(t, method, `/endpoints/${feed}/${path}`, { body });
  const metadata = async (feed: string, path: string) =>
    json<AssetItem>(await content('GET', feed, `metadata/${path}`), 200);
  const createHook = async (body: Record<string, unknown>, headers: Record<string, string> = {}, app = t) =>
    json<Webhook>(await api('POST', '/api/webhooks', { secret: SECRET, ...body }, headers, app), 201);
  const deliveries = async (hook: string, app = t) =>
    json<WebhookDelivery[]>(await api('GET', `/api/webhooks/${hook}/deliveries`, undefined, {}, app), 200);
  const delivery = async (hook: string, id: string) =>
    json<WebhookDelivery>(await api('GET', `/api/webhooks/${hook}/deliveries/${id}`), 200);
  const as = (user: string) => ({ Authorization: basicAuth(user, PASSWORD) });

  /** Waits until `path` received `count` deliveries, and returns them. */
  async function received(path: string, count: number): Promise<Received[]> {
    await eventually(async () => receiver.at(path).length >= count, 30_000);
    return receiver.at(path);
  }

  beforeAll(async () => {
    await receiver.start();
    t = await startTestApp((port) => ({
      STOCKROOM_BASE_URL: `http://127.0.0.1:${port}`,
      STOCKROOM_ENCRYPTION_KEY: ENCRYPTION_KEY,
    }));
    clock = t.app.get(Clock);
    // No scheduled retention runs: the runs here are asked for.
    expect((await api('POST', '/api/retention/settings', { schedule: '' })).status).toBe(200);
    for (const feed of ['events', 'other', 'slow', 'retry', 'perm']) await createFeed(t, feed);
    const history = await api('POST', '/api/management/feeds/update/events', {
      fileHistory: { enabled: true, keep: 5 },
    });
    expect(history.status).toBe(200);
    for (const user of ['manager', 'publisher']) {
      expect((await api('POST', '/api/security/users', { userName: user, password: PASSWORD })).status).toBe(201);
    }
    const grant = (principalName: string, role: string, feed: string) =>
      api('POST', '/api/security/privileges', { principalType: 'user', principalName, role, feed, deny: false });
    expect((await grant('manager', 'Manage Feed', 'perm')).status).toBe(201);
    expect((await grant('publisher', 'Publish', 'perm')).status).toBe(201);
  });

  afterAll(async () => {
    await t?.close();
    await receiver.stop();
  });

  it('delivers every kind of change once, signed, with the item as the listing shows it', async () => {
    const hook = await createHook({
      url: receiver.url('/all'),
      events: [
        'file.created',
        'file.updated',
        'file.deleted',
        'file.moved',
        'file.restored',
        'folder.created',
        'folder.deleted',
        'retention.applied',
      ],
      feed: 'events',
    });
    expect(hook).toEqual(
      expect.objectContaining({ feed: 'events', secret: '********', active: true, createdBy: 'Admin' }),
    );
    // Another directory's changes are not this webhook's.
    expect((await content('POST', 'other', 'content/elsewhere.txt', 'x')).status).toBe(201);

    let n = 0;
    const next = async (type: string, path: string) => {
      const got = await received('/all', ++n);
      const last = got[n - 1];
      expect([last.body.type, last.body.path]).toEqual([type, path]);
      expect(last.headers['x-stockroom-event']).toBe(type);
      expect(last.headers['x-stockroom-delivery']).toBe(last.body.id);
      expect(last.headers['content-type']).toBe('application/json');
      expect(last.body.directory).toBe('events');
      expect(last.body.actor).toBe('Admin');
      return last.body;
    };

    // A single upload, then its overwrite.
    expect((await content('POST', 'events', 'content/docs/a.txt', 'one')).status).toBe(201);
    expect((await next('file.created', 'docs/a.txt')).item).toEqual(await metadata('events', 'docs/a.txt'));
    expect((await content('POST', 'events', 'content/docs/a.txt', 'two')).status).toBe(201);
    expect((await next('file.updated', 'docs/a.txt')).item).toEqual(await metadata('events', 'docs/a.txt'));

    // A chunked upload, on completion.
    const part = 'chunked!';
    expect(
      (
        await content(
          'POST',
          'events',
          `content/big.bin?multipart=upload&id=m1&index=0&offset=0&totalSize=${part.length}&partSize=${part.length}&totalParts=1`,
          part,
        )
      ).status,
    ).toBe(200);
    expect((await content('POST', 'events', 'content/big.bin?multipart=complete&id=m1')).status).toBe(200);
    expect((await next('file.created', 'big.bin')).item).toEqual(await metadata('events', 'big.bin'));

    // An archive import: one event per file (created, and updated for the one it replaced).
    const zip = await zipOf({ 'a.txt': 'from the zip', 'new/b.txt': 'b' });
    expect((await content('POST', 'events', 'import/docs?format=zip&overwrite=true', zip)).status).toBe(200);
    // Sent side by side: in any order.
    const imported = (await received('/all', n + 2))
      .slice(n, n + 2)
      .map((r) => [r.body.type, r.body.path])
      .sort((a, b) => String(a[1]).localeCompare(String(b[1])));
    n += 2;
    expect(imported).toEqual([
      ['file.updated', 'docs/a.txt'],
      ['file.created', 'docs/new/b.txt'],
    ]);

    // A folder, a move, a copy.
    expect((await content('POST', 'events', 'dir/empty/folder')).status).toBe(201);
    const folder = await next('folder.created', 'empty/folder');
    expect(folder.item).toEqual(expect.objectContaining({ name: 'folder', parent: 'empty', type: 'dir' }));
    expect((await api('POST', '/endpoints/events/move/big.bin', { to: 'moved/big.bin' })).status).toBe(201);
    const moved = await next('file.moved', 'moved/big.bin');
    expect(moved.item).toEqual(await metadata('events', 'moved/big.bin'));
    expect(moved.details).toEqual({ from: { directory: 'events', path: 'big.bin' } });
    expect((await api('POST', '/endpoints/events/copy/moved/big.bin', { to: 'copy.bin' })).status).toBe(201);
    expect((await next('file.created', 'copy.bin')).item).toEqual(await metadata('events', 'copy.bin'));

    // File history: version 1 of docs/a.txt back.
    expect((await content('POST', 'events', 'restore/docs/a.txt?version=1')).status).toBe(200);
    const restored = await next('file.restored', 'docs/a.txt');
    expect(restored.item).toEqual(await metadata('events', 'docs/a.txt'));
    expect(restored.details).toEqual({ version: 1 });

    // Deletes: the item as it was.
    const before = await metadata('events', 'copy.bin');
    expect((await content('DELETE', 'events', 'content/copy.bin')).status).toBe(200);
    expect((await next('file.deleted', 'copy.bin')).item).toEqual(before);
    expect((await content('POST', 'events', 'delete/docs?recursive=true')).status).toBe(200);
    const gone = await next('folder.deleted', 'docs');
    expect(gone.item).toEqual(expect.objectContaining({ name: 'docs', type: 'dir' }));
    expect(gone.details).toEqual({ files: 2 });

    // Retention: one event per run that deleted something.
    const rules = await api('POST', '/api/management/feeds/update/events', {
      retentionRules: [{ deletePackageIds: ['moved/**'] }],
    });
    expect(rules.status).toBe(200);
    const run = await api('POST', '/api/retention/events/run?wait=true');
    expect(run.status).toBe(200);
    const applied = await next('retention.applied', null as unknown as string);
    expect(applied.details).toEqual(expect.objectContaining({ deletedFiles: 1, run: expect.any(Number) }));
    expect((await api('POST', '/api/retention/events/run?wait=true')).status).toBe(200); // deletes nothing

    // Exactly these, each once (the upload to "other" and the empty run sent nothing), all signed.
    const ids = (await deliveries(hook.id)).map((d) => d.eventId);
    expect(ids).toHaveLength(n);
    expect(new Set(receiver.at('/all').map((r) => r.body.id)).size).toBe(n);
    expect(receiver.at('/all')).toHaveLength(n);
    expect(receiver.badSignatures).toEqual([]);
  });

  it('announces WebDAV changes too, naming an API key by its display name', async () => {
    await createHook({ url: receiver.url('/who'), events: ['file.created', 'folder.created'], feed: 'other' });
    const key = JSON.parse(
      (await api('POST', '/api/api-keys/create', { type: 'System', displayName: 'ci-uploader' })).text,
    ) as { key: string };
    expect((await raw(t, 'PUT', '/dav/other/by-dav.txt', { body: 'dav' })).status).toBe(201);
    await received('/who', 1);
    expect((await raw(t, 'MKCOL', '/dav/other/dav-folder')).status).toBe(201);
    await received('/who', 2);
    const byKey = await raw(t, 'POST', '/endpoints/other/content/by-key.txt', {
      body: 'key',
      headers: { 'X-ApiKey': key.key },
    });
    expect(byKey.status).toBe(201);
    const got = (await received('/who', 3)).map((r) => [r.body.type, r.body.path, r.body.actor]);
    expect(got).toEqual([
      ['file.created', 'by-dav.txt', 'Admin'],
      ['folder.created', 'dav-folder', 'Admin'],
      ['file.created', 'by-key.txt', 'ci-uploader'],
    ]);
  });

  it('announces a move between directories in both: where the file went and where it left', async () => {
    for (const feed of ['move-from', 'move-to']) await createFeed(t, feed);
    await createHook({ url: receiver.url('/move-from'), events: ['file.moved'], feed: 'move-from' });
    await createHook({ url: receiver.url('/move-to'), events: ['file.moved'], feed: 'move-to' });
    expect((await content('POST', 'move-from', 'content/a/leaving.txt', 'bytes')).status).toBe(201);
    const moved = await api('POST', '/endpoints/move-from/move/a/leaving.txt', {
      to: 'b/arrived.txt',
      toDirectory: 'move-to',
    });
    expect(moved.status).toBe(201);
    const item = await metadata('move-to', 'b/arrived.txt');
    const [left] = await received('/move-from', 1);
    expect(left.body).toEqual(
      expect.objectContaining({
        type: 'file.moved',
        directory: 'move-from',
        path: 'a/leaving.txt',
        item,
        details: { to: { directory: 'move-to', path: 'b/arrived.txt' } },
      }),
    );
    const [arrived] = await received('/move-to', 1);
    expect(arrived.body).toEqual(
      expect.objectContaining({
        type: 'file.moved',
        directory: 'move-to',
        path: 'b/arrived.txt',
        item,
        details: { from: { directory: 'move-from', path: 'a/leaving.txt' } },
      }),
    );
  });

  it('sends nothing for a change that rolled back', async () => {
    const hook = await createHook({ url: receiver.url('/rollback'), events: ['file.created'] });
    const events = t.app.get(ChangeEventsService);
    const unitOfWork = t.app.get(UnitOfWork);
    const event = { type: 'file.created' as const, feed: null, path: 'rolled-back.txt', actor: 'test' };
    await expect(
      unitOfWork.run(async (tx) => {
        await events.publish(tx, [event]);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    // An upload refused (over the directory's quota) sends nothing either.
    expect((await api('POST', '/api/management/feeds/update/other', { quotaBytes: 10 })).status).toBe(200);
    expect((await content('POST', 'other', 'content/too-big.txt', 'more than ten bytes')).status).toBe(413);
    // What committed after them arrives; they never do.
    await events.publishNow({ ...event, path: 'committed.txt' });
    const got = await received('/rollback', 1);
    expect(got.map((r) => r.body.path)).toEqual(['committed.txt']);
    await eventually(async () => (await deliveries(hook.id)).map((d) => d.state).join() === 'delivered');
    expect((await api('DELETE', `/api/webhooks/${hook.id}`)).status).toBe(204);
  });

  it('retries a receiver that is down for an hour, logging each attempt, then delivers', async () => {
    const hook = await createHook({ url: receiver.url('/retry'), events: ['file.created'], feed: 'retry' });
    receiver.mode = 'down';
    try {
      expect((await content('POST', 'retry', 'content/r.txt', 'r')).status).toBe(201);
      const attempts = async () => (await deliveries(hook.id))[0]?.attempts ?? 0;
      await eventually(async () => (await attempts()) === 1, 30_000);
      for (let step = 2; step <= 5; step++) {
        clock.travel(15 * MINUTE);
        await eventually(async () => (await attempts()) === step, 30_000);
      }
      const [pending] = await deliveries(hook.id);
      expect(pending).toEqual(expect.objectContaining({ state: 'pending', attempts: 5 }));
      expect(receiver.at('/retry')).toEqual([]);
      receiver.mode = 'ok';
      clock.travel(HOUR);
      await eventually(async () => (await deliveries(hook.id))[0].state === 'delivered', 30_000);
    } finally {
      receiver.mode = 'ok';
    }
    const [done] = await deliveries(hook.id);
    const detail = await delivery(hook.id, done.id);
    expect(detail.attempts).toBe(6);
    expect(detail.attemptLog?.map((a) => a.status)).toEqual([503, 503, 503, 503, 503, 204]);
    for (const a of detail.attemptLog ?? []) expect(a.latencyMs).toEqual(expect.any(Number));
    expect(detail.attemptLog?.[0].error).toMatch(/503/);
    const [got] = await received('/retry', 1);
    expect(detail.body).toEqual(got.body);
    expect(receiver.at('/retry')).toHaveLength(1);
  });

  it('gives up after a day of failures; redeliver sends it again', async () => {
    const hook = await createHook({ url: receiver.url('/day'), events: ['file.created'], feed: 'retry' });
    receiver.mode = 'down';
    let state: WebhookDelivery;
    try {
      expect((await content('POST', 'retry', 'content/d.txt', 'd')).status).toBe(201);
      const current = async () => (await deliveries(hook.id))[0];
      await eventually(async () => (await current())?.attempts === 1, 30_000);
      for (let step = 2; (state = await current()).state === 'pending'; step++) {
        expect(step).toBeLessThan(10);
        clock.travel(6 * HOUR);
        await eventually(async () => (await current()).attempts === step, 30_000);
      }
    } finally {
      receiver.mode = 'ok';
    }
    expect(state).toEqual(expect.objectContaining({ state: 'failed', nextAttemptAt: null }));
    expect(receiver.at('/day')).toEqual([]);

    const again = json<WebhookDelivery>(
      await api('POST', `/api/webhooks/${hook.id}/deliveries/${state.id}/redeliver`),
      202,
    );
    expect(again.state).toBe('pending');
    const [got] = await received('/day', 1);
    expect(got.body.id).toBe(state.eventId);
    await eventually(async () => (await deliveries(hook.id))[0].state === 'delivered');
  });

  it('sends a test event to that webhook only', async () => {
    const one = await createHook({ url: receiver.url('/test-one'), events: ['file.deleted'], feed: 'other' });
    await createHook({ url: receiver.url('/test-two'), events: ['file.deleted'], feed: 'other' });
    const { eventId } = json<WebhookTestResult>(await api('POST', `/api/webhooks/${one.id}/test`), 202);
    const [got] = await received('/test-one', 1);
    expect(got.body).toEqual(
      expect.objectContaining({ id: eventId, type: 'webhook.test', directory: 'other', actor: 'Admin', item: null }),
    );
    expect(got.headers['x-stockroom-event']).toBe('webhook.test');
    await eventually(async () => (await deliveries(one.id))[0]?.state === 'delivered');
    expect(receiver.at('/test-two')).toEqual([]);
    // The webhook shows how its latest delivery went.
    const shown = json<Webhook>(await api('GET', `/api/webhooks/${one.id}`), 200);
    expect(shown.lastDelivery).toEqual({ at: expect.any(String), status: 'delivered', responseStatus: 204 });
    const listed = json<Webhook[]>(await api('GET', '/api/webhooks?feed=other'), 200);
    expect(listed.find((h) => h.id === one.id)?.lastDelivery?.responseStatus).toBe(204);
  });

  it('never slows uploads for a receiver that does not answer', async () => {
    const hook = await createHook({ url: receiver.url('/hang'), events: ['file.created'], feed: 'slow' });
    receiver.mode = 'hang';
    try {
      for (let i = 0; i < 20; i++)
        expect((await content('POST', 'slow', `content/f${i}.txt`, `${i}`)).status).toBe(201);
      await eventually(async () => (await deliveries(hook.id)).length === 20, 30_000);
      const states = (await deliveries(hook.id)).map((d) => d.state);
      expect(states).toEqual(Array(20).fill('pending'));
    } finally {
      receiver.mode = 'ok';
    }
    // Paged, newest first.
    const page = json<WebhookDelivery[]>(await api('GET', `/api/webhooks/${hook.id}/deliveries?limit=5`), 200);
    expect(page).toHaveLength(5);
    const older = json<WebhookDelivery[]>(
      await api('GET', `/api/webhooks/${hook.id}/deliveries?limit=5&before=${page[4].id}`),
      200,
    );
    expect(Number(older[0].id)).toBeLessThan(Number(page[4].id));
    expect((await api('PATCH', `/api/webhooks/${hook.id}`, { active: false })).status).toBe(200);
  });

  it('lets managers keep webhooks of their directory to public addresses, and only administrators the rest', async () => {
    const publicUrl = 'http://93.184.215.14/hook';
    const manager = as('manager');
    const mine = await createHook({ url: publicUrl, events: ['file.created'], feed: 'perm' }, manager);
    expect(mine.createdBy).toBe('manager');
    // Internal addresses, global webhooks, other directories: Administer.
    const internal = await api(
      'POST',
      '/api/webhooks',
      { url: receiver.url('/x'), events: ['file.created'], feed: 'perm', secret: SECRET },
      manager,
    );
    expect(internal.status).toBe(403);
    expect(JSON.parse(internal.text).message).toMatch(/internal/);
    const global = await api(
      'POST',
      '/api/webhooks',
      { url: publicUrl, events: ['file.created'], secret: SECRET },
      manager,
    );
    expect(global.status).toBe(403);
    const elsewhere = await api(
      'POST',
      '/api/webhooks',
      { url: publicUrl, events: ['file.created'], feed: 'events', secret: SECRET },
      manager,
    );
    expect(elsewhere.status).toBe(404); // a directory they cannot see
    // Nor may a manager point theirs at an internal address afterwards.
    expect((await api('PATCH', `/api/webhooks/${mine.id}`, { url: receiver.url('/x') }, manager)).status).toBe(403);
    // A publisher manages none; the admin's global webhook is not the manager's to see.
    const adminHook = await createHook({ url: publicUrl, events: ['file.deleted'], active: false });
    expect((await api('GET', `/api/webhooks/${adminHook.id}`, undefined, manager)).status).toBe(404);
    expect((await api('GET', `/api/webhooks/${mine.id}`, undefined, as('publisher'))).status).toBe(404);
    expect((await api('GET', '/api/webhooks?feed=perm', undefined, as('publisher'))).status).toBe(403);
    const listed = json<Webhook[]>(await api('GET', '/api/webhooks', undefined, manager), 200);
    expect(listed.map((h) => h.id)).toEqual([mine.id]);
    expect(json<Webhook[]>(await api('GET', '/api/webhooks?feed=perm', undefined, manager), 200)).toHaveLength(1);
    // Bad input.
    for (const [body, message] of [
      [{ url: 'ftp://example.com/x', events: ['file.created'] }, /http/],
      [{ url: 'http://user:pw@93.184.215.14/x', events: ['file.created'] }, /credentials/],
      [{ url: publicUrl, events: [] }, /at least one/],
      [{ url: publicUrl, events: ['file.exploded'] }, /may only contain/],
      [{ url: publicUrl, events: ['file.created'], secret: 'short' }, /16/],
    ] as const) {
      const res = await api('POST', '/api/webhooks', { secret: SECRET, feed: 'perm', ...body }, manager);
      expect([res.status, JSON.parse(res.text).message]).toEqual([400, expect.stringMatching(message)]);
    }
    // Updates and deletes, audited; the secret never reads back.
    const patched = json<Webhook>(
      await api('PATCH', `/api/webhooks/${mine.id}`, { events: ['file.deleted'], secret: '********' }, manager),
      200,
    );
    expect(patched).toEqual(expect.objectContaining({ events: ['file.deleted'], secret: '********' }));
    expect((await api('DELETE', `/api/webhooks/${mine.id}`, undefined, manager)).status).toBe(204);
    expect((await api('GET', `/api/webhooks/${mine.id}`)).status).toBe(404);
    const audit = JSON.parse(
      (await api('GET', '/api/security/audit?action=webhook.created,webhook.updated,webhook.deleted')).text,
    );
    const actions = (audit.events as { action: string; userName: string; details: { id: string } }[])
      .filter((e) => e.details.id === mine.id)
      .map((e) => [e.action, e.userName]);
    expect(actions).toEqual([
      ['webhook.deleted', 'manager'],
      ['webhook.updated', 'manager'],
      ['webhook.created', 'manager'],
    ]);
  });

  it('writes no event for a change no webhook listens to, and hears of a webhook another node saved', async () => {
    await createFeed(t, 'quiet');
    const written = async () =>
      Number(
        (await t.app.get(DataSource).query(`SELECT count(*) AS n FROM change_events WHERE directory = 'quiet'`))[0].n,
      );
    expect((await content('POST', 'quiet', 'content/unheard.txt', 'x')).status).toBe(201);
    expect(await written()).toBe(0);
    const second = await startTestApp(
      (port) => ({ STOCKROOM_BASE_URL: `http://127.0.0.1:${port}`, STOCKROOM_ENCRYPTION_KEY: ENCRYPTION_KEY }),
      t.db,
    );
    try {
      await createHook({ url: receiver.url('/quiet'), events: ['file.created'], feed: 'quiet' }, {}, second);
      // This node learns of it from the change notification, a moment later.
      let n = 0;
      await eventually(async () => {
        expect((await content('POST', 'quiet', `content/heard/${n++}.txt`, 'x')).status).toBe(201);
        return (await written()) > 0;
      }, 10_000);
      const [first] = await received('/quiet', 1);
      expect(first.body).toEqual(expect.objectContaining({ type: 'file.created', directory: 'quiet' }));
      expect(first.body.path).toMatch(/^heard\/\d+\.txt$/);
    } finally {
      await second.close();
    }
  });

  it('two servers on one database deliver each event once', async () => {
    const second = await startTestApp(
      (port) => ({
        STOCKROOM_BASE_URL: `http://127.0.0.1:${port}`,
        STOCKROOM_ENCRYPTION_KEY: ENCRYPTION_KEY,
        // STOCKROOM_OUTBOUND_ALLOW applies to administrators too.
        STOCKROOM_OUTBOUND_ALLOW: '127.0.0.1',
      }),
      t.db,
    );
    try {
      const refused = await api(
        'POST',
        '/api/webhooks',
        { url: 'http://93.184.215.14/hook', events: ['file.created'], secret: SECRET },
        {},
        second,
      );
      expect(refused.status).toBe(403);
      expect(JSON.parse(refused.text).message).toMatch(/STOCKROOM_OUTBOUND_ALLOW/);

      const hook = await createHook({ url: receiver.url('/two'), events: ['file.created'], feed: 'other' }, {}, second);
      expect((await api('POST', '/api/management/feeds/update/other', { quotaBytes: null })).status).toBe(200);
      const uploads = [];
      for (let i = 0; i < 30; i++) {
        const app = i % 2 === 0 ? t : second;
        uploads.push(raw(app, 'POST', `/endpoints/other/content/two/${i}.txt`, { body: `${i}` }));
      }
      expect((await Promise.all(uploads)).map((r) => r.status)).toEqual(Array(30).fill(201));
      await received('/two', 30);
      await eventually(
        async () => (await deliveries(hook.id)).filter((d) => d.state === 'delivered').length === 30,
        30_000,
      );
      const all = await deliveries(hook.id);
      expect(all.map((d) => d.attempts)).toEqual(Array(30).fill(1));
      expect(new Set(receiver.at('/two').map((r) => r.body.path)).size).toBe(30);
      expect(receiver.at('/two')).toHaveLength(30);
    } finally {
      await second.close();
    }
  });
});
