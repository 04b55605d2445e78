import { basicAuth, startTestApp, TestApp } from '../support/test-app';
import { createFeed, zipOf } from '../support/fixtures';
import { raw, RawResponse } from '../support/http';

/**
 * Users, groups, roles and rules as an administrator manages them (spec §9), what a fresh
 * install grants, how rules combine, and the audit log that records it all.
 */

type Headers = Record<string, string>;

interface Rule {
  id: number;
  principalType: string;
  principalName: string;
  role: string;
  feed: string | null;
  deny: boolean;
}

interface AuditEvent {
  id: number;
  at: string;
  action: string;
  userName: string | null;
  credential: string;
  address: string;
  feed: string | null;
  target: string | null;
  details: Record<string, unknown>;
}

/** Helpers bound to one running app. */
function client(get: () => TestApp) {
  const request = (method: string, path: string, body?: unknown, headers?: Headers): Promise<RawResponse> =>
    raw(get().url, method, path, {
      headers: { 'Content-Type': 'application/json', ...(headers ?? { Authorization: get().adminAuth }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  /** As Admin; throws unless the status is the expected one (setup steps). */
  const must = async (method: string, path: string, body: unknown, status: number): Promise<RawResponse> => {
    const res = await request(method, path, body);
    if (res.status !== status) throw new Error(`${method} ${path}: expected ${status}, got ${res.status} ${res.text}`);
    return res;
  };
  const json = <T>(res: RawResponse): T => JSON.parse(res.text) as T;
  return {
    request,
    must,
    json,
    user: (userName: string, password: string, extra: Record<string, unknown> = {}) =>
      must('POST', '/api/security/users', { userName, password, ...extra }, 201),
    group: (name: string, members: string[] = []) => must('POST', '/api/security/groups', { name, members }, 201),
    grant: async (principalType: string, principalName: string, role: string, feed?: string, deny = false) =>
      json<Rule>(
        await must('POST', '/api/security/privileges', { principalType, principalName, role, feed, deny }, 201),
      ),
    rules: async (query = '') => json<Rule[]>(await must('GET', `/api/security/privileges${query}`, undefined, 200)),
    feedWithFile: async (name: string) => {
      await createFeed(get(), name);
      const put = await raw(get(), 'POST', `/endpoints/${name}/content/hello.txt`, { body: `hello from ${name}` });
      if (put.status !== 201) throw new Error(`upload to ${name}: ${put.status}`);
    },
    /** GET as someone: content, listing and metadata of a directory's hello.txt. */
    read: (headers: Headers, feed: string, what: 'content' | 'dir' | 'metadata' = 'content') =>
      raw(get().url, 'GET', `/endpoints/${feed}/${what === 'dir' ? 'dir/' : `${what}/hello.txt`}`, { headers }),
  };
}

const as = (user: string, password: string): Headers => ({ Authorization: basicAuth(user, password) });

describe('a fresh install grants nothing to anyone but Admin', () => {
  let t: TestApp;
  const c = client(() => t);
  beforeAll(async () => {
    t = await startTestApp();
    await c.feedWithFile('fresh');
    await c.user('newbie', 'newbie-Passw0rd');
  });
  afterAll(() => t.close());

  it('the only rule is Admin → Administer, global, allow; the only user is Admin', async () => {
    const rules = await c.rules();
    expect(rules).toEqual([
      {
        id: expect.any(Number),
        principalType: 'user',
        principalName: 'Admin',
        role: 'Administer',
        feed: null,
        deny: false,
      },
    ]);
    const users = c.json<{ userName: string }[]>(await c.request('GET', '/api/security/users'));
    expect(users.map((u) => u.userName).sort()).toEqual(['Admin', 'newbie']);
    expect(c.json(await c.request('GET', '/api/security/groups'))).toEqual([]);
  });

  it('the four built-in roles bundle what spec §9 says', async () => {
    const roles = c.json<{ name: string; privileges: string[]; builtIn: boolean }[]>(
      await c.request('GET', '/api/security/roles'),
    );
    const byName = Object.fromEntries(roles.map((r) => [r.name, r]));
    expect(Object.keys(byName).sort()).toEqual(['Administer', 'Manage Feed', 'Publish', 'View & Download']);
    for (const r of roles) expect(r.builtIn).toBe(true);
    expect(byName['View & Download'].privileges.sort()).toEqual(['Feeds_DownloadPackage', 'Feeds_ViewFeed']);
    expect(byName['Publish'].privileges.sort()).toEqual([
      'Feeds_AddPackage',
      'Feeds_DownloadPackage',
      'Feeds_ViewFeed',
    ]);
    expect(byName['Manage Feed'].privileges.sort()).toEqual([
      'Admin_ManageFeed',
      'Feeds_AddPackage',
      'Feeds_DeletePackage',
      'Feeds_DownloadPackage',
      'Feeds_OverwritePackage',
      'Feeds_ShareAsset',
      'Feeds_ViewFeed',
    ]);
    expect(byName['Administer'].privileges.sort()).toEqual([
      'Admin_ConfigureProGet',
      'Admin_ManageFeed',
      'Feeds_AddPackage',
      'Feeds_DeletePackage',
      'Feeds_DownloadPackage',
      'Feeds_OverwritePackage',
      'Feeds_ShareAsset',
      'Feeds_ViewFeed',
    ]);
  });

  it('anonymous sees no directories and gets 401 for an existing one exactly as for a missing one', async () => {
    const list = await raw(t.url, 'GET', '/api/management/feeds/list');
    expect(list.status).toBe(200);
    expect(JSON.parse(list.text)).toEqual([]);
    for (const what of ['content', 'dir', 'metadata'] as const) {
      const existing = await c.read({}, 'fresh', what);
      const missing = await c.read({}, 'nowhere', what);
      expect(existing.status).toBe(401);
      expect(missing.status).toBe(401);
      expect(existing.text).toBe(missing.text);
      expect(existing.headers['www-authenticate']).toMatch(/^Basic /);
    }
    const upload = await raw(t.url, 'POST', '/endpoints/fresh/content/anon.txt', { body: 'x' });
    expect(upload.status).toBe(401);
    const me = JSON.parse((await raw(t.url, 'GET', '/api/security/me')).text);
    expect(me).toMatchObject({ authenticated: false, privileges: [] });
  });

  it('a new user sees no directories and gets the same 404 for an existing one as for a missing one', async () => {
    const newbie = as('newbie', 'newbie-Passw0rd');
    const list = await raw(t.url, 'GET', '/api/management/feeds/list', { headers: newbie });
    expect(JSON.parse(list.text)).toEqual([]);
    for (const what of ['content', 'dir', 'metadata'] as const) {
      const existing = await c.read(newbie, 'fresh', what);
      const missing = await c.read(newbie, 'FRESH2', what);
      expect(existing.status).toBe(404);
      expect(missing.status).toBe(404);
      expect(existing.text).toBe('Asset directory "fresh" was not found.');
      expect(missing.text).toBe('Asset directory "FRESH2" was not found.');
    }
    const upload = await raw(t.url, 'POST', '/endpoints/fresh/content/new.txt', { headers: newbie, body: 'x' });
    expect(upload.status).toBe(404);
    const get = await raw(t.url, 'GET', '/api/management/feeds/get/fresh', { headers: newbie });
    expect(get.status).toBe(404);
    const me = JSON.parse((await raw(t.url, 'GET', '/api/security/me', { headers: newbie })).text);
    expect(me).toMatchObject({ authenticated: true, userName: 'newbie', privileges: [] });
    for (const [method, path] of [
      ['GET', '/api/security/users'],
      ['GET', '/api/security/groups'],
      ['GET', '/api/security/privileges'],
      ['GET', '/api/security/audit'],
      ['POST', '/api/management/feeds/create'],
    ]) {
      const res = await c.request(
        method,
        path,
        method === 'POST' ? { name: 'x', feedType: 'asset' } : undefined,
        newbie,
      );
      expect(res.status).toBe(403);
    }
    // Reading the role catalogue needs only to be signed in.
    expect((await c.request('GET', '/api/security/roles', undefined, newbie)).status).toBe(200);
    expect((await raw(t.url, 'GET', '/api/security/roles')).status).toBe(401);
  });
});

describe('users, groups, roles and rules', () => {
  let t: TestApp;
  const c = client(() => t);
  beforeAll(async () => {
    t = await startTestApp();
    await c.feedWithFile('docs');
    await c.feedWithFile('tools');
  });
  afterAll(() => t.close());

  describe('users', () => {
    it('create, list, get (any case), update and delete', async () => {
      const created = await c.request('POST', '/api/security/users', {
        userName: 'Erin',
        password: 'erin-Passw0rd',
        displayName: 'Erin E.',
        email: 'erin@example.com',
      });
      expect(created.status).toBe(201);
      expect(c.json(created)).toEqual({
        userName: 'Erin',
        displayName: 'Erin E.',
        email: 'erin@example.com',
        enabled: true,
        groups: [],
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        source: 'builtin',
        lastSignInAt: null,
      });
      expect(created.text).not.toMatch(/password|argon/i);

      const list = await c.request('GET', '/api/security/users');
      expect(list.status).toBe(200);
      expect(c.json<{ userName: string }[]>(list).map((u) => u.userName)).toEqual(
        expect.arrayContaining(['Admin', 'Erin']),
      );
      expect(list.text).not.toMatch(/password|argon/i);
      expect(c.json(await c.request('GET', '/api/security/users/ERIN'))).toMatchObject({ userName: 'Erin' });

      const updated = await c.request('PATCH', '/api/security/users/erin', { displayName: 'Erin Two', enabled: false });
      expect(updated.status).toBe(200);
      expect(c.json(updated)).toMatchObject({ userName: 'Erin', displayName: 'Erin Two', enabled: false });
      expect((await c.request('GET', '/api/security/me', undefined, as('Erin', 'erin-Passw0rd'))).status).toBe(401);
      await c.must('PATCH', '/api/security/users/Erin', { enabled: true, password: 'erin-New-Passw0rd' }, 200);
      expect((await c.request('GET', '/api/security/me', undefined, as('Erin', 'erin-New-Passw0rd'))).status).toBe(200);
      expect((await c.request('GET', '/api/security/me', undefined, as('Erin', 'erin-Passw0rd'))).status).toBe(401);

      expect((await c.request('DELETE', '/api/security/users/erin')).status).toBe(204);
      expect((await c.request('GET', '/api/security/users/Erin')).status).toBe(404);
      expect((await c.request('DELETE', '/api/security/users/Erin')).status).toBe(404);
      expect((await c.request('PATCH', '/api/security/users/Erin', { displayName: 'x' })).status).toBe(404);
      expect((await c.request('GET', '/api/security/me', undefined, as('Erin', 'erin-New-Passw0rd'))).status).toBe(401);
    });

    it('a deleted user takes their rules along', async () => {
      await c.user('temp', 'temp-Passw0rd');
      await c.grant('user', 'temp', 'Publish', 'docs');
      await c.must('DELETE', '/api/security/users/temp', undefined, 204);
      const rules = await c.rules();
      expect(rules.filter((r) => r.principalName === 'temp' || r.principalName === null)).toEqual([]);
      // A new user of the same name starts with nothing.
      await c.user('TEMP', 'temp-Passw0rd');
      expect((await c.read(as('temp', 'temp-Passw0rd'), 'docs')).status).toBe(404);
    });

    it('duplicate names are 400, case-insensitively and in any Unicode normal form', async () => {
      await c.user('Fay', 'fay-Passw0rd');
      for (const userName of ['Fay', 'FAY', 'fay']) {
        const res = await c.request('POST', '/api/security/users', { userName, password: 'another-Passw0rd' });
        expect(res.status).toBe(400);
        expect(c.json<{ message: string }>(res).message).toMatch(/already exists/);
      }
      await c.user('Zoë', 'zoe-Passw0rd');
      const nfd = await c.request('POST', '/api/security/users', { userName: 'Zoe\u0308', password: 'zoe-Passw0rd' });
      expect(nfd.status).toBe(400);
      const admin = await c.request('POST', '/api/security/users', { userName: 'admin', password: 'x-Passw0rd-x' });
      expect(admin.status).toBe(400);
      // The first one is unchanged.
      expect((await c.request('GET', '/api/security/me', undefined, as('Fay', 'fay-Passw0rd'))).status).toBe(200);
    });

    it.each([
      ['an empty name', { userName: '', password: 'ok-Passw0rd' }],
      ['a colon in the name', { userName: 'a:b', password: 'ok-Passw0rd' }],
      ['a control character', { userName: 'tab\there', password: 'ok-Passw0rd' }],
      ['leading space', { userName: ' lead', password: 'ok-Passw0rd' }],
      ['101 characters', { userName: 'u'.repeat(101), password: 'ok-Passw0rd' }],
      ['the reserved name "api"', { userName: 'API', password: 'ok-Passw0rd' }],
      ['a short password', { userName: 'shorty', password: 'short' }],
      ['no password', { userName: 'nopw' }],
      ['a non-string name', { userName: 42, password: 'ok-Passw0rd' }],
      ['an unknown field', { userName: 'typo', password: 'ok-Passw0rd', isAdmin: true }],
      ['an unknown group', { userName: 'grouped', password: 'ok-Passw0rd', groups: ['no-such-group'] }],
      ['enabled not boolean', { userName: 'en', password: 'ok-Passw0rd', enabled: 'yes' }],
    ])('creating a user with %s is 400 and creates nothing', async (_label, body) => {
      const res = await c.request('POST', '/api/security/users', body);
      expect(res.status).toBe(400);
      expect(c.json<{ code: string }>(res).code).toBe('bad_request');
      const name = (body as { userName?: unknown }).userName;
      if (typeof name === 'string' && name.trim() !== '' && !name.includes(':')) {
        expect((await c.request('GET', `/api/security/users/${encodeURIComponent(name)}`)).status).toBe(404);
      }
    });

    it('a body that is not a JSON object is 400', async () => {
      for (const body of ['[]', '"x"', 'null', '{nope']) {
        expect((await c.request('POST', '/api/security/users', body)).status).toBe(400);
      }
    });

    it('renaming is 400; you cannot delete or disable yourself', async () => {
      await c.user('gus', 'gus-Passw0rd');
      expect((await c.request('PATCH', '/api/security/users/gus', { userName: 'gustav' })).status).toBe(400);
      const self = await c.request('DELETE', '/api/security/users/Admin');
      expect(self.status).toBe(400);
      expect(c.json<{ message: string }>(self).message).toMatch(/yourself|your own/i);
      expect((await c.request('PATCH', '/api/security/users/admin', { enabled: false })).status).toBe(400);
      expect((await c.request('GET', '/api/security/users')).status).toBe(200);
    });

    it('only administrators manage users', async () => {
      await c.user('hal', 'hal-Passw0rd');
      await c.grant('user', 'hal', 'Manage Feed', 'docs');
      const hal = as('hal', 'hal-Passw0rd');
      expect((await c.request('GET', '/api/security/users', undefined, hal)).status).toBe(403);
      expect(
        (await c.request('POST', '/api/security/users', { userName: 'x1', password: 'x-Passw0rd' }, hal)).status,
      ).toBe(403);
      expect((await c.request('PATCH', '/api/security/users/hal', { displayName: 'Boss' }, hal)).status).toBe(403);
      expect((await c.request('DELETE', '/api/security/users/gus', undefined, hal)).status).toBe(403);
      expect((await c.request('GET', '/api/security/users', undefined, {})).status).toBe(401);
      expect((await c.request('GET', '/api/security/users/gus')).status).toBe(200);
    });
  });

  describe('groups', () => {
    it('create with members, get, update members, delete; membership shows on the user', async () => {
      await c.user('ivy', 'ivy-Passw0rd');
      await c.user('jon', 'jon-Passw0rd');
      const created = await c.request('POST', '/api/security/groups', {
        name: 'Devs',
        description: 'developers',
        members: ['IVY'],
      });
      expect(created.status).toBe(201);
      expect(c.json(created)).toEqual({ name: 'Devs', description: 'developers', members: ['ivy'], source: 'builtin' });
      expect(c.json(await c.request('GET', '/api/security/users/ivy'))).toMatchObject({ groups: ['Devs'] });
      expect(c.json(await c.request('GET', '/api/security/groups/devs'))).toMatchObject({ name: 'Devs' });

      const updated = await c.request('PATCH', '/api/security/groups/DEVS', { members: ['jon', 'ivy'] });
      expect(updated.status).toBe(200);
      expect(c.json<{ members: string[] }>(updated).members.sort()).toEqual(['ivy', 'jon']);
      const list = c.json<{ name: string }[]>(await c.request('GET', '/api/security/groups'));
      expect(list.map((g) => g.name)).toContain('Devs');

      // A group's grant reaches its members, and goes with the group.
      await c.grant('group', 'devs', 'View & Download', 'docs');
      expect((await c.read(as('jon', 'jon-Passw0rd'), 'docs')).status).toBe(200);
      expect((await c.request('DELETE', '/api/security/groups/Devs')).status).toBe(204);
      expect((await c.request('GET', '/api/security/groups/Devs')).status).toBe(404);
      expect((await c.request('DELETE', '/api/security/groups/Devs')).status).toBe(404);
      expect((await c.read(as('jon', 'jon-Passw0rd'), 'docs')).status).toBe(404);
      expect((await c.rules()).filter((r) => r.principalType === 'group')).toEqual([]);
      expect(c.json(await c.request('GET', '/api/security/users/ivy'))).toMatchObject({ groups: [] });
    });

    it('removing a member takes the group grant away from them', async () => {
      await c.user('kim', 'kim-Passw0rd');
      await c.group('readers', ['kim']);
      await c.grant('group', 'readers', 'View & Download', 'tools');
      expect((await c.read(as('kim', 'kim-Passw0rd'), 'tools')).status).toBe(200);
      await c.must('PATCH', '/api/security/groups/readers', { members: [] }, 200);
      expect((await c.read(as('kim', 'kim-Passw0rd'), 'tools')).status).toBe(404);
      // And adding the user to it from the user's side gives it back.
      await c.must('PATCH', '/api/security/users/kim', { groups: ['Readers'] }, 200);
      expect((await c.read(as('kim', 'kim-Passw0rd'), 'tools')).status).toBe(200);
    });

    it('duplicate (any case), pseudo-group names, unknown members and renames are 400', async () => {
      await c.group('Ops');
      for (const body of [
        { name: 'ops' },
        { name: 'OPS' },
        { name: 'Everyone' },
        { name: 'anonymous' },
        { name: 'AUTHENTICATED' },
        { name: 'a:b' },
        { name: '' },
        { name: 'g2', members: ['nobody-by-that-name'] },
        { name: 'g3', color: 'red' },
      ]) {
        const res = await c.request('POST', '/api/security/groups', body);
        expect(res.status).toBe(400);
      }
      expect((await c.request('PATCH', '/api/security/groups/Ops', { name: 'Ops2' })).status).toBe(400);
      expect((await c.request('PATCH', '/api/security/groups/Ops', { members: ['ghost'] })).status).toBe(400);
      expect((await c.request('PATCH', '/api/security/groups/nope', { description: 'x' })).status).toBe(404);
    });
  });

  describe('roles', () => {
    it('a custom role is created, listed, updated and deleted', async () => {
      const created = await c.request('POST', '/api/security/roles', {
        name: 'Uploader',
        description: 'adds files only',
        privileges: ['Feeds_AddPackage'],
      });
      expect(created.status).toBe(201);
      expect(c.json(created)).toEqual({
        name: 'Uploader',
        description: 'adds files only',
        privileges: ['Feeds_AddPackage'],
        builtIn: false,
      });
      const roles = c.json<{ name: string }[]>(await c.request('GET', '/api/security/roles'));
      expect(roles.map((r) => r.name)).toContain('Uploader');
      const updated = await c.request('PATCH', '/api/security/roles/uploader', {
        privileges: ['Feeds_AddPackage', 'Feeds_ViewFeed'],
      });
      expect(updated.status).toBe(200);
      expect(c.json<{ privileges: string[] }>(updated).privileges.sort()).toEqual([
        'Feeds_AddPackage',
        'Feeds_ViewFeed',
      ]);
      expect((await c.request('DELETE', '/api/security/roles/Uploader')).status).toBe(204);
      expect((await c.request('DELETE', '/api/security/roles/Uploader')).status).toBe(404);
    });

    it('unknown or missing privileges, duplicates (any case, built-ins too) and renames are 400', async () => {
      await c.must('POST', '/api/security/roles', { name: 'Auditor', privileges: ['Feeds_ViewFeed'] }, 201);
      for (const body of [
        { name: 'Bad', privileges: ['Feeds_FlyToTheMoon'] },
        { name: 'Bad', privileges: ['feeds_viewfeed'] },
        { name: 'Bad', privileges: [] },
        { name: 'Bad' },
        { name: 'Bad', privileges: 'Feeds_ViewFeed' },
        { name: 'auditor', privileges: ['Feeds_ViewFeed'] },
        { name: 'PUBLISH', privileges: ['Feeds_ViewFeed'] },
        { name: 'view & download', privileges: ['Feeds_ViewFeed'] },
        { name: '', privileges: ['Feeds_ViewFeed'] },
      ]) {
        const res = await c.request('POST', '/api/security/roles', body);
        expect(res.status).toBe(400);
      }
      expect((await c.request('GET', '/api/security/roles')).text).not.toContain('"Bad"');
      expect((await c.request('PATCH', '/api/security/roles/Auditor', { privileges: ['Nope'] })).status).toBe(400);
      expect((await c.request('PATCH', '/api/security/roles/Auditor', { name: 'Auditors' })).status).toBe(400);
    });

    it('built-in roles cannot be changed or deleted', async () => {
      for (const name of ['Publish', 'administer', 'View & Download', 'Manage Feed']) {
        const path = `/api/security/roles/${encodeURIComponent(name)}`;
        expect((await c.request('PATCH', path, { privileges: ['Feeds_ViewFeed'] })).status).toBe(400);
        expect((await c.request('DELETE', path)).status).toBe(400);
      }
      const roles = c.json<{ name: string; privileges: string[] }[]>(await c.request('GET', '/api/security/roles'));
      expect(roles.find((r) => r.name === 'Publish')?.privileges.length).toBe(3);
      expect(roles.find((r) => r.name === 'Administer')?.privileges.length).toBe(8);
    });

    it('a role in use cannot be deleted until its rules are gone', async () => {
      await c.must('POST', '/api/security/roles', { name: 'Peeker', privileges: ['Feeds_ViewFeed'] }, 201);
      await c.user('lea', 'lea-Passw0rd');
      const rule = await c.grant('user', 'lea', 'peeker', 'docs');
      const res = await c.request('DELETE', '/api/security/roles/Peeker');
      expect(res.status).toBe(400);
      expect(c.json<{ message: string }>(res).message).toMatch(/used by 1 rule/);
      await c.must('DELETE', `/api/security/privileges/${rule.id}`, undefined, 204);
      expect((await c.request('DELETE', '/api/security/roles/Peeker')).status).toBe(204);
    });

    it('only administrators change roles', async () => {
      await c.user('max', 'max-Passw0rd');
      const max = as('max', 'max-Passw0rd');
      expect(
        (await c.request('POST', '/api/security/roles', { name: 'Mine', privileges: ['Feeds_ViewFeed'] }, max)).status,
      ).toBe(403);
      expect((await c.request('DELETE', '/api/security/roles/Auditor', undefined, max)).status).toBe(403);
    });
  });

  describe('rules', () => {
    it('grant (201, as the rule), list (all or one directory), revoke (204)', async () => {
      await c.user('ned', 'ned-Passw0rd');
      const res = await c.request('POST', '/api/security/privileges', {
        principalType: 'user',
        principalName: 'NED',
        role: 'view & download',
        feed: 'DOCS',
      });
      expect(res.status).toBe(201);
      const rule = c.json<Rule>(res);
      expect(rule).toEqual({
        id: expect.any(Number),
        principalType: 'user',
        principalName: 'ned',
        role: 'View & Download',
        feed: 'docs',
        deny: false,
      });
      expect((await c.read(as('ned', 'ned-Passw0rd'), 'docs')).status).toBe(200);
      expect((await c.rules()).map((r) => r.id)).toContain(rule.id);
      const docs = await c.rules('?feed=docs');
      expect(docs.map((r) => r.id)).toContain(rule.id);
      for (const r of docs) expect(r.feed).toBe('docs');
      expect((await c.rules('?feed=tools')).map((r) => r.id)).not.toContain(rule.id);

      const global = await c.grant('pseudo', 'authenticated', 'View & Download', undefined, true);
      expect(global).toMatchObject({ principalType: 'pseudo', principalName: 'Authenticated', feed: null, deny: true });
      await c.must('DELETE', `/api/security/privileges/${global.id}`, undefined, 204);

      expect((await c.request('DELETE', `/api/security/privileges/${rule.id}`)).status).toBe(204);
      expect((await c.request('DELETE', `/api/security/privileges/${rule.id}`)).status).toBe(404);
      expect((await c.read(as('ned', 'ned-Passw0rd'), 'docs')).status).toBe(404);
    });

    it.each([
      ['an unknown role', { principalType: 'user', principalName: 'Admin', role: 'Superuser' }],
      ['an unknown user', { principalType: 'user', principalName: 'ghost', role: 'Publish' }],
      ['an unknown group', { principalType: 'group', principalName: 'ghosts', role: 'Publish' }],
      ['an unknown pseudo-group', { principalType: 'pseudo', principalName: 'Robots', role: 'Publish' }],
      ['an unknown principal type', { principalType: 'robot', principalName: 'Admin', role: 'Publish' }],
      ['no role', { principalType: 'user', principalName: 'Admin' }],
      ['deny not boolean', { principalType: 'user', principalName: 'Admin', role: 'Publish', deny: 'yes' }],
      ['an unknown field', { principalType: 'user', principalName: 'Admin', role: 'Publish', scope: 'all' }],
    ])('granting with %s is 400 and adds no rule', async (_label, body) => {
      const before = await c.rules();
      const res = await c.request('POST', '/api/security/privileges', body);
      expect(res.status).toBe(400);
      expect(await c.rules()).toEqual(before);
    });

    it('granting on a directory that does not exist is 404', async () => {
      const res = await c.request('POST', '/api/security/privileges', {
        principalType: 'user',
        principalName: 'Admin',
        role: 'Publish',
        feed: 'no-such-feed',
      });
      expect(res.status).toBe(404);
      expect((await c.request('GET', '/api/security/privileges?feed=no-such-feed')).status).toBe(404);
    });

    it('the last rule granting Administer cannot be revoked; with another one it can', async () => {
      const adminRule = (await c.rules()).find((r) => r.principalName === 'Admin' && r.role === 'Administer');
      expect(adminRule).toBeDefined();
      const refused = await c.request('DELETE', `/api/security/privileges/${adminRule?.id}`);
      expect(refused.status).toBe(400);
      expect(c.json<{ message: string }>(refused).message).toMatch(/last/i);
      // A deny or a directory-scoped Administer does not count as another administrator.
      await c.user('olga', 'olga-Passw0rd');
      await c.grant('user', 'olga', 'Administer', 'docs');
      await c.grant('user', 'olga', 'Administer', undefined, true);
      expect((await c.request('DELETE', `/api/security/privileges/${adminRule?.id}`)).status).toBe(400);

      await c.user('pam', 'pam-Passw0rd');
      const second = await c.grant('user', 'pam', 'Administer');
      expect((await c.request('GET', '/api/security/users', undefined, as('pam', 'pam-Passw0rd'))).status).toBe(200);
      expect((await c.request('DELETE', `/api/security/privileges/${second.id}`)).status).toBe(204);
      expect((await c.request('GET', '/api/security/users', undefined, as('pam', 'pam-Passw0rd'))).status).toBe(403);
      expect((await c.request('DELETE', `/api/security/privileges/${adminRule?.id}`)).status).toBe(400);
      expect((await c.request('GET', '/api/security/users')).status).toBe(200);
    });

    it("a directory's manager manages that directory's rules, and nothing more", async () => {
      await c.user('quinn', 'quinn-Passw0rd');
      await c.user('rita', 'rita-Passw0rd');
      await c.grant('user', 'quinn', 'Manage Feed', 'tools');
      const quinn = as('quinn', 'quinn-Passw0rd');

      expect((await c.request('GET', '/api/security/privileges?feed=tools', undefined, quinn)).status).toBe(200);
      const granted = await c.request(
        'POST',
        '/api/security/privileges',
        { principalType: 'user', principalName: 'rita', role: 'View & Download', feed: 'tools' },
        quinn,
      );
      expect(granted.status).toBe(201);
      expect((await c.read(as('rita', 'rita-Passw0rd'), 'tools')).status).toBe(200);
      expect(
        (await c.request('DELETE', `/api/security/privileges/${c.json<Rule>(granted).id}`, undefined, quinn)).status,
      ).toBe(204);
      expect((await c.read(as('rita', 'rita-Passw0rd'), 'tools')).status).toBe(404);

      const administer = await c.request(
        'POST',
        '/api/security/privileges',
        { principalType: 'user', principalName: 'rita', role: 'Administer', feed: 'tools' },
        quinn,
      );
      expect(administer.status).toBe(403);
      const global = await c.request(
        'POST',
        '/api/security/privileges',
        { principalType: 'user', principalName: 'rita', role: 'View & Download' },
        quinn,
      );
      expect(global.status).toBe(403);
      expect((await c.request('GET', '/api/security/privileges', undefined, quinn)).status).toBe(403);
      // Another directory is not even there for quinn.
      const other = await c.request(
        'POST',
        '/api/security/privileges',
        { principalType: 'user', principalName: 'rita', role: 'View & Download', feed: 'docs' },
        quinn,
      );
      expect(other.status).toBe(404);
      // A rule quinn may not manage answers like a rule id that does not exist (ids are sequential).
      const adminRule = (await c.rules()).find((r) => r.principalName === 'Admin');
      expect((await c.request('DELETE', `/api/security/privileges/${adminRule?.id}`, undefined, quinn)).status).toBe(
        404,
      );
      expect((await c.rules()).find((r) => r.principalName === 'Admin')).toBeDefined();
    });
  });
});

describe('rule precedence (spec §9)', () => {
  let t: TestApp;
  const c = client(() => t);
  const PW = 'prec-Passw0rd';
  beforeAll(async () => {
    t = await startTestApp();
    for (const feed of ['p1', 'p2', 'p3', 'p4']) await c.feedWithFile(feed);
    for (const u of ['u1', 'u1b', 'u2', 'u3', 'u3b', 'u4', 'u5']) await c.user(u, PW);
  });
  afterAll(() => t.close());

  it("a user's deny on a directory beats their group's allow on it", async () => {
    await c.group('g1', ['u1', 'u1b']);
    await c.grant('group', 'g1', 'View & Download', 'p1');
    await c.grant('user', 'u1', 'View & Download', 'p1', true);
    for (const what of ['content', 'dir', 'metadata'] as const) {
      const denied = await c.read(as('u1', PW), 'p1', what);
      expect(denied.status).toBe(404);
      expect((await c.read(as('u1b', PW), 'p1', what)).status).toBe(200);
    }
  });

  it("a group's allow on a directory does not lose to a user's deny elsewhere", async () => {
    await c.grant('user', 'u1b', 'View & Download', 'p3', true);
    expect((await c.read(as('u1b', PW), 'p1')).status).toBe(200);
  });

  it('a directory allow beats a global deny, even a user-level deny against a pseudo-group allow', async () => {
    await c.grant('user', 'u2', 'View & Download', undefined, true);
    await c.grant('user', 'u2', 'View & Download', 'p2');
    expect((await c.read(as('u2', PW), 'p2')).text).toBe('hello from p2');
    expect((await c.read(as('u2', PW), 'p1')).status).toBe(404);

    await c.grant('pseudo', 'Everyone', 'View & Download', 'p4');
    expect((await c.read(as('u2', PW), 'p4')).status).toBe(200);
    expect((await c.read({}, 'p4')).status).toBe(200);
    // The global deny still holds where nothing more specific allows.
    expect((await c.read(as('u2', PW), 'p3')).status).toBe(404);
  });

  it('a global allow is overridden by a directory deny', async () => {
    await c.grant('user', 'u5', 'View & Download');
    await c.grant('pseudo', 'Authenticated', 'View & Download', 'p3', true);
    expect((await c.read(as('u5', PW), 'p1')).status).toBe(200);
    expect((await c.read(as('u5', PW), 'p3')).status).toBe(404);
  });

  it('at equal specificity deny wins (user vs user, group vs group)', async () => {
    await c.grant('user', 'u3', 'View & Download', 'p1');
    await c.grant('user', 'u3', 'View & Download', 'p1', true);
    expect((await c.read(as('u3', PW), 'p1')).status).toBe(404);

    await c.group('g3a', ['u3b']);
    await c.group('g3b', ['u3b']);
    await c.grant('group', 'g3a', 'Publish', 'p2');
    await c.grant('group', 'g3b', 'View & Download', 'p2', true);
    expect((await c.read(as('u3b', PW), 'p2')).status).toBe(404);
  });

  it('rules combine per privilege: a deny of Add only leaves View and Download', async () => {
    await c.must('POST', '/api/security/roles', { name: 'Add only', privileges: ['Feeds_AddPackage'] }, 201);
    await c.group('g5', ['u4']);
    await c.grant('group', 'g5', 'Publish', 'p2');
    await c.grant('user', 'u4', 'Add only', 'p2', true);
    const u4 = as('u4', PW);
    expect((await c.read(u4, 'p2')).status).toBe(200);
    const upload = await raw(t.url, 'POST', '/endpoints/p2/content/new.txt', { headers: u4, body: 'x' });
    expect(upload.status).toBe(403);
  });

  it('a custom role with only Feeds_DownloadPackage downloads, but cannot list, see metadata or upload', async () => {
    await c.must('POST', '/api/security/roles', { name: 'Download only', privileges: ['Feeds_DownloadPackage'] }, 201);
    await c.user('dl', PW);
    await c.grant('user', 'dl', 'Download only', 'p3');
    const dl = as('dl', PW);
    const got = await c.read(dl, 'p3');
    expect(got.status).toBe(200);
    expect(got.text).toBe('hello from p3');
    expect((await c.read(dl, 'p3', 'dir')).status).toBe(404);
    expect((await c.read(dl, 'p3', 'metadata')).status).toBe(404);
    const upload = await raw(t.url, 'POST', '/endpoints/p3/content/up.txt', { headers: dl, body: 'x' });
    expect(upload.status).toBe(404);
    const list = await raw(t.url, 'GET', '/api/management/feeds/list', { headers: dl });
    expect(JSON.parse(list.text).map((f: { name: string }) => f.name)).not.toContain('p3');
    // (dl's own allow on p3 also beats the Authenticated deny on p3 granted above: user over pseudo-group.)
  });
});

describe('no lock-out: some enabled user always holds Administer', () => {
  const c = (t: TestApp) => client(() => t);

  it('revoking Admin’s grant is refused when the only other Administer grant reaches nobody (an empty group)', async () => {
    const t = await startTestApp();
    try {
      const k = c(t);
      await k.group('nobody-here');
      await k.grant('group', 'nobody-here', 'Administer');
      const adminRule = (await k.rules()).find((r) => r.principalName === 'Admin') as Rule;
      const res = await k.request('DELETE', `/api/security/privileges/${adminRule.id}`);
      expect(res.status).toBe(400);
      expect((await k.request('GET', '/api/security/users')).status).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('deleting the group that holds the last Administer grant is refused', async () => {
    const t = await startTestApp();
    try {
      const k = c(t);
      await k.group('admins', ['Admin']);
      await k.grant('group', 'admins', 'Administer');
      const adminRule = (await k.rules()).find((r) => r.principalName === 'Admin') as Rule;
      // Admin still administers through the group, so this one may go.
      await k.must('DELETE', `/api/security/privileges/${adminRule.id}`, undefined, 204);
      expect((await k.request('GET', '/api/security/users')).status).toBe(200);
      const res = await k.request('DELETE', '/api/security/groups/admins');
      expect(res.status).toBe(400);
      expect((await k.request('GET', '/api/security/users')).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe('audit log', () => {
  let t: TestApp;
  const c = client(() => t);
  const secrets: string[] = [];
  let all: AuditEvent[] = [];
  let keyId = 0;

  const audit = async (query = '', headers?: Headers) => {
    const res = await raw(t.url, 'GET', `/api/security/audit${query}`, {
      headers: headers ?? { Authorization: t.adminAuth },
    });
    return res;
  };
  const page = async (query = '') => {
    const res = await audit(query);
    if (res.status !== 200) throw new Error(`audit${query}: ${res.status} ${res.text}`);
    return JSON.parse(res.text) as { events: AuditEvent[]; next?: number };
  };
  const find = (action: string, match: Partial<AuditEvent> = {}) =>
    all.filter((e) => e.action === action && Object.entries(match).every(([k, v]) => e[k as keyof AuditEvent] === v));

  beforeAll(async () => {
    t = await startTestApp();
    const PW = 'auditee-Passw0rd-41';
    const WRONG = 'wrong-Passw0rd-0077';
    const KEY = 'auditee-chosen-key-8f8f8f8f8f';
    const WRONG_KEY = 'wrong-key-1234567890abcdef';
    secrets.push('test-admin-password', PW, WRONG, KEY, WRONG_KEY);

    await c.must('POST', '/api/management/feeds/create', { name: 'Audited', feedType: 'asset' }, 200);
    await c.user('auditee', PW);
    await c.grant('user', 'auditee', 'Manage Feed', 'audited');
    const s = await raw(t.url, 'POST', '/api/security/login', {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userName: 'auditee', password: PW }),
    });
    expect(s.status).toBe(200);
    const cookies = Object.fromEntries(
      (s.headers['set-cookie'] ?? []).map((l) => l.split(';')[0].split('=') as [string, string]),
    );
    const session = {
      Cookie: `stockroom_session=${cookies['stockroom_session']}`,
      'X-XSRF-TOKEN': cookies['XSRF-TOKEN'],
    };
    const failures: [string, Headers][] = [
      ['/api/security/me', { Authorization: basicAuth('auditee', WRONG) }],
      ['/api/security/me', { 'X-ApiKey': `auditee:${WRONG}` }],
      ['/api/security/me', { 'X-ApiKey': WRONG_KEY }],
    ];
    for (const [path, headers] of failures) expect((await raw(t.url, 'GET', path, { headers })).status).toBe(401);
    const badLogin = await raw(t.url, 'POST', '/api/security/login', {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userName: 'auditee', password: WRONG }),
    });
    expect(badLogin.status).toBe(401);

    const key = await c.must('POST', '/api/api-keys/create', { type: 'Personal', user: 'auditee', key: KEY }, 200);
    keyId = c.json<{ id: number }>(key).id;
    const put = (headers: Headers, body: string) =>
      raw(t.url, 'POST', '/endpoints/Audited/content/docs/a.txt', { headers, body });
    expect((await put({ 'X-ApiKey': KEY }, 'v1')).status).toBe(201);
    expect((await put({ 'X-ApiKey': `auditee:${PW}` }, 'v2')).status).toBe(201);
    const del = await raw(t.url, 'DELETE', '/endpoints/Audited/content/docs/a.txt', { headers: session });
    expect(del.status).toBe(200);
    const zip = await zipOf({ 'x.txt': 'x', 'sub/y.txt': 'y' });
    const imported = await raw(t, 'POST', '/endpoints/Audited/import/unpacked?format=zip', { body: zip });
    expect(imported.status).toBe(200);
    await c.must('POST', `/api/api-keys/delete?id=${keyId}`, undefined, 200);
    const rule = (await c.rules('?feed=audited')).find((r) => r.principalName === 'auditee') as Rule;
    await c.must('DELETE', `/api/security/privileges/${rule.id}`, undefined, 204);
    await c.must('DELETE', '/api/management/feeds/delete/Audited', undefined, 200);

    all = (await page('?limit=1000')).events;
  });
  afterAll(() => t.close());

  it('records who (user name), how (credential kind) and from where, newest first', async () => {
    expect(all.length).toBeGreaterThan(10);
    const ids = all.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    for (const e of all) {
      expect(e.address).toBe('127.0.0.1');
      expect(new Date(e.at).getTime()).toBeGreaterThan(Date.now() - 5 * 60_000);
    }
    const admin = { userName: 'Admin', credential: 'password' };
    expect(find('feed.created', { ...admin, feed: 'Audited' })).toHaveLength(1);
    expect(find('user.created', { ...admin, target: 'auditee' })).toHaveLength(1);
    expect(find('privilege.granted', { ...admin, feed: 'Audited', target: 'user:auditee' })).toHaveLength(1);
    expect(find('privilege.granted', { feed: 'Audited' })[0].details).toMatchObject({
      role: 'Manage Feed',
      deny: false,
    });
    expect(find('login.succeeded', { userName: 'auditee', credential: 'session' })).toHaveLength(1);
    expect(find('apikey.created', { ...admin, target: `key #${keyId}` })).toHaveLength(1);
    expect(find('apikey.revoked', { ...admin, target: `key #${keyId}` })).toHaveLength(1);
    expect(
      find('asset.uploaded', { userName: 'auditee', credential: 'api-key', feed: 'Audited', target: 'docs/a.txt' }),
    ).toHaveLength(1);
    expect(
      find('asset.overwritten', {
        userName: 'auditee',
        credential: 'pseudo-key',
        feed: 'Audited',
        target: 'docs/a.txt',
      }),
    ).toHaveLength(1);
    expect(
      find('asset.deleted', { userName: 'auditee', credential: 'session', feed: 'Audited', target: 'docs/a.txt' }),
    ).toHaveLength(1);
    expect(find('archive.imported', { ...admin, feed: 'Audited', target: 'unpacked' })).toHaveLength(1);
    expect(find('privilege.revoked', { ...admin, feed: 'Audited', target: 'user:auditee' })).toHaveLength(1);
    expect(find('feed.deleted', { ...admin, feed: 'Audited' })).toHaveLength(1);
  });

  it('records failed sign-ins with the name tried and the credential kind, never the password', async () => {
    const failed = find('login.failed');
    expect(failed.map((e) => [e.userName, e.credential]).sort()).toEqual(
      [
        ['auditee', 'password'],
        ['auditee', 'pseudo-key'],
        ['auditee', 'session'],
        [null, 'api-key'],
      ].sort(),
    );
  });

  it('never contains a password or a key secret', () => {
    const text = JSON.stringify(all);
    for (const s of secrets) expect(text).not.toContain(s);
    expect(text).not.toMatch(/argon2/);
  });

  it('filters by user and feed (case-insensitively) and by actions', async () => {
    const byUser = (await page('?user=AUDITEE&limit=1000')).events;
    expect(byUser.length).toBeGreaterThanOrEqual(6);
    for (const e of byUser) expect(e.userName).toBe('auditee');
    expect(byUser.map((e) => e.id)).toEqual(all.filter((e) => e.userName === 'auditee').map((e) => e.id));

    const byFeed = (await page('?feed=audited&limit=1000')).events;
    expect(byFeed.map((e) => e.id)).toEqual(all.filter((e) => e.feed === 'Audited').map((e) => e.id));
    expect(new Set(byFeed.map((e) => e.action))).toEqual(
      new Set([
        'feed.created',
        'privilege.granted',
        'asset.uploaded',
        'asset.overwritten',
        'asset.deleted',
        'archive.imported',
        'privilege.revoked',
        'feed.deleted',
      ]),
    );

    const byAction = (await page('?action=asset.uploaded,asset.deleted')).events;
    expect(byAction.map((e) => e.action).sort()).toEqual(['asset.deleted', 'asset.uploaded']);
    const both = (await page('?user=auditee&action=login.failed')).events;
    expect(both).toHaveLength(3);
    expect((await page('?user=nobody')).events).toEqual([]);
  });

  it('filters by time: from is inclusive, to exclusive, and together they split the log', async () => {
    const middle = all[Math.floor(all.length / 2)].at;
    const from = (await page(`?from=${encodeURIComponent(middle)}&limit=1000`)).events;
    const to = (await page(`?to=${encodeURIComponent(middle)}&limit=1000`)).events;
    for (const e of from) expect(e.at >= middle).toBe(true);
    for (const e of to) expect(e.at < middle).toBe(true);
    expect(from.length).toBeGreaterThan(0);
    expect(to.length).toBeGreaterThan(0);
    expect([...from, ...to].map((e) => e.id)).toEqual(all.map((e) => e.id));
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect((await page(`?from=${future}`)).events).toEqual([]);
    expect((await page(`?to=2000-01-01T00:00:00Z`)).events).toEqual([]);
  });

  it('pages backwards with limit and before/next, without gaps or repeats', async () => {
    const seen: number[] = [];
    let query = '?limit=3';
    for (let pages = 0; pages < 100; pages++) {
      const p = await page(query);
      expect(p.events.length).toBeLessThanOrEqual(3);
      seen.push(...p.events.map((e) => e.id));
      if (p.next === undefined) break;
      expect(p.next).toBe(p.events[p.events.length - 1].id);
      query = `?limit=3&before=${p.next}`;
    }
    expect(seen).toEqual(all.map((e) => e.id));
    const first = await page('?limit=2');
    expect(first.events).toHaveLength(2);
    expect(first.next).toBe(first.events[1].id);
    const last = await page(`?before=${all[all.length - 1].id + 1}&limit=5`);
    expect(last.events.map((e) => e.id)).toEqual([all[all.length - 1].id]);
    expect(last.next).toBeUndefined();
  });

  it('bad filters are 400; only administrators may read it', async () => {
    for (const q of [
      '?limit=0',
      '?limit=1001',
      '?limit=x',
      '?before=abc',
      '?action=nope',
      '?from=yesterday',
      '?to=soon',
    ]) {
      const res = await audit(q);
      expect(res.status).toBe(400);
    }
    await c.user('snoop', 'snoop-Passw0rd');
    expect((await audit('', { Authorization: basicAuth('snoop', 'snoop-Passw0rd') })).status).toBe(403);
    expect((await audit('', {})).status).toBe(401);
  });
});
