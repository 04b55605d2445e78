import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFeed, eventually } from '../support/fixtures';
import { raw } from '../support/http';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * Two nodes on one database: each caches directories, users, keys and rules, and a change made
 * on one node reaches the other through PostgreSQL's change notifications — a revoked key or a
 * removed grant stops working everywhere, not only where it was changed.
 */
describe('two nodes: security changes reach every node', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let shared: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    // Disk storage: the nodes share the data directory (as they would share a volume).
    shared = await mkdtemp(join(tmpdir(), 'stockroom-two-nodes-'));
    a = await startTestApp({ STOCKROOM_DATA_DIR: shared }, db);
    b = await startTestApp({ STOCKROOM_DATA_DIR: shared }, db);
    await createFeed(a, 'shared');
    const upload = await raw(a, 'POST', '/endpoints/shared/content/f.txt', { body: 'hello' });
    expect(upload.status).toBe(201);
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
    await rm(shared, { recursive: true, force: true });
  });

  const json = { 'Content-Type': 'application/json' };
  const status = async (node: TestApp, headers: Record<string, string> = {}) =>
    (await raw(node.url, 'GET', '/endpoints/shared/content/f.txt', { headers })).status;

  it('a key revoked on one node is refused by the other', async () => {
    const created = await raw(a, 'POST', '/api/api-keys/create', {
      headers: json,
      body: JSON.stringify({ type: 'Feed', feed: 'shared', packagePermissions: ['view'] }),
    });
    const { id, key } = JSON.parse(created.text) as { id: number; key: string };
    expect(await status(b, { 'X-ApiKey': key })).toBe(200);
    expect(await status(b, { 'X-ApiKey': key })).toBe(200); // now cached on b
    expect((await raw(a, 'POST', `/api/api-keys/delete?id=${id}`)).status).toBe(200);
    expect(await status(a, { 'X-ApiKey': key })).toBe(401); // at once where it was revoked
    await eventually(async () => (await status(b, { 'X-ApiKey': key })) === 401, 3000);
  });

  it('a grant removed on one node stops working on the other; a new grant starts working', async () => {
    expect(await status(b)).toBe(401);
    const granted = await raw(a, 'POST', '/api/security/privileges', {
      headers: json,
      body: JSON.stringify({
        principalType: 'pseudo',
        principalName: 'Anonymous',
        role: 'View & Download',
        feed: 'shared',
      }),
    });
    expect(granted.status).toBe(201);
    await eventually(async () => (await status(b)) === 200, 3000);
    expect(await status(b)).toBe(200);
    const { id } = JSON.parse(granted.text) as { id: number };
    expect((await raw(b, 'DELETE', `/api/security/privileges/${id}`)).status).toBe(204);
    expect(await status(b)).toBe(401);
    await eventually(async () => (await status(a)) === 401, 3000);
  });

  it('a password changed on one node is refused on the other', async () => {
    const user = (pw: string) => ({ Authorization: `Basic ${Buffer.from(`kim:${pw}`).toString('base64')}` });
    await raw(a, 'POST', '/api/security/users', {
      headers: json,
      body: JSON.stringify({ userName: 'kim', password: 'first-password' }),
    });
    await raw(a, 'POST', '/api/security/privileges', {
      headers: json,
      body: JSON.stringify({ principalType: 'user', principalName: 'kim', role: 'View & Download', feed: 'shared' }),
    });
    await eventually(async () => (await status(b, user('first-password'))) === 200, 3000);
    const changed = await raw(a, 'PATCH', '/api/security/users/kim', {
      headers: json,
      body: JSON.stringify({ password: 'second-password' }),
    });
    expect(changed.status).toBe(200);
    await eventually(async () => (await status(b, user('first-password'))) === 401, 3000);
    expect(await status(b, user('second-password'))).toBe(200);
  });
});
