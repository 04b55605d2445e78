import { startTestApp, TestApp } from '../support/test-app';
import { raw, RawResponse } from '../support/http';

/**
 * Request bodies of the management API are DTOs checked at the edge: what ProGet clients send
 * (whole Feed objects, pgutil's ApiKeyInfo) is accepted, typos on our own shapes are refused in
 * the API's words, and services see only the fields they declare.
 */
describe('request bodies', () => {
  let t: TestApp;
  const send = (method: string, path: string, body: unknown): Promise<RawResponse> =>
    raw(t.url, method, path, {
      headers: { 'Content-Type': 'application/json', Authorization: t.adminAuth },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const refused = async (res: RawResponse) => {
    expect(res.status).toBe(400);
    const body = JSON.parse(res.text) as { code: string; message: string };
    expect(body.code).toBeDefined();
    return body.message;
  };

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('a whole ProGet Feed object creates and updates a directory; the audit names only the fields read', async () => {
    const feed = { name: 'whole', feedType: 'asset', description: 'd', dropPath: null, endpointUrl: 'x', variant: 'y' };
    expect((await send('POST', '/api/management/feeds/create', feed)).status).toBe(200);
    const updated = await send('POST', '/api/management/feeds/update/whole', { ...feed, description: 'e' });
    expect(updated.status).toBe(200);
    expect(JSON.parse(updated.text)).toMatchObject({ name: 'whole', description: 'e' });
    const audit = await raw(t.url, 'GET', '/api/security/audit?action=feed.updated', {
      headers: { Authorization: t.adminAuth },
    });
    const events = (JSON.parse(audit.text) as { events: { action: string; details: { changed?: string[] } }[] }).events;
    const changed = events.find((e) => e.action === 'feed.updated')?.details.changed;
    expect(changed).toEqual(['name', 'feedType', 'description']);
  });

  it('pgutil’s ApiKeyInfo (every field, type in any case) makes a key', async () => {
    const res = await send('POST', '/api/api-keys/create', {
      id: null,
      type: 'personal',
      key: null,
      displayName: 'ci',
      description: null,
      systemApis: null,
      packagePermissions: null,
      feed: null,
      feedGroup: null,
      expiration: null,
      logging: 'none',
      user: 'Admin',
      createdAt: null,
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({ type: 'Personal', displayName: 'ci', user: 'Admin' });
  });

  it('an ApiKeyInfo naming a feed group reaches the service, which refuses it (there are none here)', async () => {
    await send('POST', '/api/management/feeds/create', { name: 'keyed', feedType: 'asset' });
    const res = await send('POST', '/api/api-keys/create', {
      type: 'FEED',
      feed: 'keyed',
      feedGroup: 'all-feeds',
      packagePermissions: ['view'],
    });
    expect(await refused(res)).toBe('Feed groups do not exist here: give "feed", one asset directory.');
  });

  it('sign-in refuses a body that is not declared JSON before looking at its fields (415, not 400)', async () => {
    const res = await raw(t.url, 'POST', '/api/security/login', {
      headers: { 'Content-Type': 'text/plain' },
      body: '{}',
    });
    expect(res.status).toBe(415);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it.each([
    [
      'POST',
      '/api/security/users',
      { userName: 'u1', password: 'long-enough', isAdmin: true },
      'Unknown field "isAdmin": expected userName, password, displayName, email, enabled, groups.',
    ],
    ['POST', '/api/security/users', { userName: 'u1', password: 12345678 }, '"password" must be a string.'],
    ['POST', '/api/security/groups', { name: 'g', members: 'Admin' }, '"members" must be an array of strings.'],
    ['POST', '/api/security/login', { userName: 'Admin' }, '"password" is required.'],
    ['POST', '/api/security/login', '[]', 'Expected a JSON object.'],
    [
      'POST',
      '/api/retention/settings',
      { historyDays: '30' },
      '"historyDays" must be a whole number of days from 1 to 3650.',
    ],
    [
      'POST',
      '/api/management/feeds/create',
      { name: 'r', feedType: 'asset', retentionRules: [{ keepLatestCount: 0 }] },
      'retentionRules[0].keepLatestCount must be a whole number of files (1 or more); got 0.',
    ],
  ])('%s %s %j → 400 %s', async (method, path, body, message) => {
    expect(await refused(await send(method, path, body))).toBe(message);
  });
});
