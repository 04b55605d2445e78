import { join } from 'node:path';
import { raw, RawResponse } from '../support/http';
import { basicAuth, startTestApp, TestApp } from '../support/test-app';

/**
 * Objects addressed by sequential ids (API keys, retention runs and previews, storage moves, privilege
 * rules): a signed-in caller who may not see one gets exactly the answer for an id that does not exist —
 * same status, and never the name of a directory it cannot view.
 */
describe('generic not-found for objects addressed by id', () => {
  const SECRET = 'secret-plans-7f3a';
  const PASSWORD = 'a-long-test-password-1';
  let t: TestApp;
  const ids = { key: 0, rule: 0, run: 0, preview: '', move: '' };

  const admin = (method: string, path: string, body?: unknown) =>
    raw(t, method, path, {
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  async function must(res: Promise<RawResponse>, status: number): Promise<RawResponse> {
    const r = await res;
    if (r.status !== status) throw new Error(`setup: expected ${status}, got ${r.status} ${r.text}`);
    return r;
  }
  const as = (user: string, method: string, path: string) =>
    raw(t.url, method, path, {
      headers: { Authorization: basicAuth(user, PASSWORD), 'Content-Type': 'application/json' },
    });

  beforeAll(async () => {
    t = await startTestApp();
    await must(admin('POST', '/api/management/feeds/create', { name: SECRET, feedType: 'asset' }), 200);
    for (const user of ['outsider', 'looker']) {
      await must(admin('POST', '/api/security/users', { userName: user, password: PASSWORD }), 201);
    }
    await must(admin('POST', '/api/security/roles', { name: 'Only view', privileges: ['Feeds_ViewFeed'] }), 201);
    // "looker" may view the directory but manage nothing in it; "outsider" has no rule at all.
    const rule = await must(
      admin('POST', '/api/security/privileges', {
        principalType: 'user',
        principalName: 'looker',
        role: 'Only view',
        feed: SECRET,
      }),
      201,
    );
    ids.rule = (JSON.parse(rule.text) as { id: number }).id;
    const key = await must(
      admin('POST', '/api/api-keys/create', { type: 'Feed', feed: SECRET, packagePermissions: ['view'] }),
      200,
    );
    ids.key = (JSON.parse(key.text) as { id: number }).id;
    ids.preview = (
      JSON.parse((await must(admin('POST', `/api/retention/${SECRET}/preview`), 200)).text) as { id: string }
    ).id;
    ids.run = (
      JSON.parse((await must(admin('POST', `/api/retention/${SECRET}/run?wait=true`), 200)).text) as { id: number }
    ).id;
    await must(admin('POST', `/endpoints/${SECRET}/content/a.txt`, 'a'), 201);
    const moved = await must(
      admin('POST', `/api/storage?feed=${SECRET}`, {
        id: 'disk',
        properties: { Path: join(t.config.dataDir, 'moved') },
      }),
      200,
    );
    ids.move = (JSON.parse(moved.text) as { move: { id: string } }).move.id;
  });
  afterAll(() => t?.close());

  const routes: [string, string, () => string, () => string][] = [
    [
      'DELETE',
      'API key (REST)',
      () => `/api/security/api-keys/${ids.key}`,
      () => `/api/security/api-keys/${ids.key + 100000}`,
    ],
    [
      'POST',
      'API key (ProGet)',
      () => `/api/api-keys/delete?id=${ids.key}`,
      () => `/api/api-keys/delete?id=${ids.key + 100000}`,
    ],
    ['GET', 'retention run', () => `/api/retention/runs/${ids.run}`, () => `/api/retention/runs/${ids.run + 100000}`],
    [
      'GET',
      'retention preview',
      () => `/api/retention/previews/${ids.preview}`,
      () => '/api/retention/previews/00000000-0000-4000-8000-000000000000',
    ],
    [
      'GET',
      'storage move',
      () => `/api/storage/moves/${ids.move}`,
      () => '/api/storage/moves/00000000-0000-4000-8000-000000000000',
    ],
    [
      'POST',
      'storage move retry',
      () => `/api/storage/moves/${ids.move}/retry`,
      () => '/api/storage/moves/00000000-0000-4000-8000-000000000000/retry',
    ],
    [
      'DELETE',
      'privilege rule',
      () => `/api/security/privileges/${ids.rule}`,
      () => `/api/security/privileges/${ids.rule + 100000}`,
    ],
  ];

  it.each(routes)(
    '%s %s: answered like a missing id, without the directory name',
    async (method, what, existing, missing) => {
      // A run needs only View, which "looker" holds: it may read it.
      for (const user of what === 'retention run' ? ['outsider'] : ['outsider', 'looker']) {
        const hidden = await as(user, method, existing());
        const absent = await as(user, method, missing());
        expect(hidden.text).not.toContain(SECRET);
        expect(absent.text).not.toContain(SECRET);
        expect({ user, status: hidden.status }).toEqual({ user, status: absent.status });
        expect(hidden.status).toBe(404);
        expect(JSON.parse(hidden.text).code).toBe(JSON.parse(absent.text).code);
      }
      // Still there, and still reachable by those who may.
      if (method === 'GET') expect((await admin('GET', existing())).status).toBe(200);
    },
  );

  it('probing a range of ids tells an outsider nothing', async () => {
    const statuses = new Set<number>();
    for (let id = 1; id <= ids.run + 3; id++) {
      const res = await as('outsider', 'GET', `/api/retention/runs/${id}`);
      expect(res.text).not.toContain(SECRET);
      statuses.add(res.status);
    }
    for (let id = 1; id <= ids.key + 3; id++) {
      const res = await as('outsider', 'DELETE', `/api/security/api-keys/${id}`);
      expect(res.text).not.toContain(SECRET);
      statuses.add(res.status);
    }
    expect([...statuses]).toEqual([404]);
  });

  it('anonymous callers are asked to sign in whether the id exists or not', async () => {
    const hidden = await raw(t.url, 'GET', `/api/retention/runs/${ids.run}`);
    const absent = await raw(t.url, 'GET', `/api/retention/runs/${ids.run + 100000}`);
    expect([hidden.status, absent.status]).toEqual([401, 401]);
    expect(hidden.text).not.toContain(SECRET);
  });
});
