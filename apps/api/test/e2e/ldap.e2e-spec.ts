import { AuditAction } from '@stockroom/contracts';
import { ExternalRefreshScheduler } from '../../src/modules/security/external-refresh.scheduler';
import { createFeed } from '../support/fixtures';
import { raw, type RawResponse } from '../support/http';
import { groupDn, LDAP_PEOPLE, personDn, Slapd } from '../support/slapd';
import { ADMIN_PASSWORD, basicAuth, startTestApp, type TestApp } from '../support/test-app';

/**
 * LDAP sign-in (issue 19) against a real OpenLDAP slapd started for the test, with a generated tree:
 * nested groups three deep (devs ⊂ platform ⊂ engineering ⊂ company), a user whose name holds filter
 * characters, a directory user named like the built-in Admin, and a group named "Everyone".
 */
describe('LDAP / Active Directory sign-in (issue 19)', () => {
  let slapd: Slapd;
  let t: TestApp;
  const FEED = 'ldap-dir';
  const DEPLOY = 'ldap-deploy';
  const OBRIEN = "o'brien (ops)*";

  const people = [
    { uid: 'alice', password: 'alice-directory-pw', cn: 'Alice Liddell', mail: 'alice@example.org' },
    { uid: 'bob', password: 'bob-directory-pw', cn: 'Bob Builder' },
    { uid: 'carol', password: 'carol-directory-pw', cn: 'Carol Danvers' },
    { uid: 'dave', password: 'dave-directory-pw', cn: 'Dave Grohl' },
    { uid: 'eve', password: 'eve-directory-pw', cn: 'Eve Online' },
    { uid: 'frank', password: 'frank-directory-pw', cn: 'Frank Zappa' },
    { uid: OBRIEN, password: 'obrien-directory-pw', cn: "Pat O'Brien (ops)*" },
    // Named like the built-in Admin: must never become it.
    { uid: 'admin', password: 'directory-admin-pw', cn: 'Directory Admin' },
  ];
  const groups = [
    { cn: 'devs', people: ['alice', 'carol', 'dave'] },
    { cn: 'platform', groups: ['devs'] },
    { cn: 'engineering', groups: ['platform'] },
    { cn: 'company', groups: ['engineering'] },
    { cn: 'Everyone', people: ['alice'] },
    { cn: 'ops', people: [OBRIEN] },
    { cn: 'deployers', people: ['dave'] },
  ];
  const pw = (uid: string) => people.find((p) => p.uid === uid)?.password ?? '';

  const admin = (method: string, path: string, body?: unknown) =>
    raw(t, method, path, {
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const as = (user: string, password: string, method: string, path: string, headers: Record<string, string> = {}) =>
    raw(t.url, method, path, { headers: { Authorization: basicAuth(user, password), ...headers } });
  const login = (userName: string, password: string) =>
    raw(t.url, 'POST', '/api/security/login', {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userName, password }),
    });
  const json = <T>(r: RawResponse) => JSON.parse(r.text) as T;
  async function must(res: Promise<RawResponse>, status: number): Promise<RawResponse> {
    const r = await res;
    if (r.status !== status) throw new Error(`expected ${status}, got ${r.status} ${r.text}`);
    return r;
  }
  const grant = (group: string, role: string, feed: string) =>
    must(admin('POST', '/api/security/privileges', { principalType: 'group', principalName: group, role, feed }), 201);
  const audit = async (action: AuditAction) =>
    json<{ events: { action: string; target?: string; details?: Record<string, unknown> }[] }>(
      await must(admin('GET', `/api/security/audit?action=${action}&limit=1000`), 200),
    ).events;

  beforeAll(async () => {
    slapd = await Slapd.start(people, groups);
    t = await startTestApp(
      slapd.env({
        STOCKROOM_LDAP_TIMEOUT_SECONDS: '1',
        STOCKROOM_LDAP_CACHE_SECONDS: '1',
        STOCKROOM_LOGIN_FAILURES_PER_USER: '3',
      }),
    );
    await createFeed(t, FEED);
    await createFeed(t, DEPLOY);
    for (const feed of [FEED, DEPLOY]) {
      await must(raw(t, 'PUT', `/endpoints/${feed}/content/file.txt`, { body: `hello from ${feed}` }), 201);
    }
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await slapd?.stop();
  });

  it('signs a directory user in on the console: created just in time, source ldap, nested groups, no "Everyone"', async () => {
    const r = await login('alice', pw('alice'));
    expect(r.status).toBe(200);
    expect(json<{ userName: string }>(r).userName).toBe('alice');

    const user = json<{ source: string; groups: string[]; displayName: string; email: string; lastSignInAt: string }>(
      await must(admin('GET', '/api/security/users/alice'), 200),
    );
    expect(user.source).toBe('ldap');
    expect(user.displayName).toBe('Alice Liddell');
    expect(user.email).toBe('alice@example.org');
    expect(user.lastSignInAt).toBeTruthy();
    // devs, and the groups devs is in, three levels up; "Everyone" is a pseudo-group's name: skipped.
    expect(user.groups).toEqual(['company', 'devs', 'engineering', 'platform']);
    const company = json<{ source: string; members: string[] }>(
      await must(admin('GET', '/api/security/groups/company'), 200),
    );
    expect(company).toMatchObject({ source: 'ldap', members: ['alice'] });
    const everyone = await admin('GET', '/api/security/groups/Everyone');
    expect(everyone.status).toBe(404);
    const refused = await audit(AuditAction.SsoRefused);
    expect(refused).toContainEqual(
      expect.objectContaining({
        target: 'alice',
        details: expect.objectContaining({ group: 'Everyone', reason: 'pseudo-group name' }),
      }),
    );
    expect((await audit(AuditAction.SsoUserCreated)).map((e) => e.target)).toContain('alice');
  });

  it('privileges granted to an external (nested) group work with Basic, X-ApiKey user:password and WebDAV', async () => {
    // Signed in, but no rule yet: the directory is not visible to her.
    expect([403, 404]).toContain((await as('alice', pw('alice'), 'GET', `/endpoints/${FEED}/content/file.txt`)).status);
    await grant('company', 'View & Download', FEED);

    const basic = await as('alice', pw('alice'), 'GET', `/endpoints/${FEED}/content/file.txt`);
    expect(basic.status).toBe(200);
    expect(basic.text).toBe(`hello from ${FEED}`);

    const pseudoKey = await raw(t.url, 'GET', `/endpoints/${FEED}/content/file.txt`, {
      headers: { 'X-ApiKey': `alice:${pw('alice')}` },
    });
    expect(pseudoKey.status).toBe(200);
    expect(pseudoKey.text).toBe(`hello from ${FEED}`);

    const dav = await as('alice', pw('alice'), 'PROPFIND', `/dav/${FEED}/`, { Depth: '1' });
    expect(dav.status).toBe(207);
    expect(dav.text).toContain('file.txt');
  });

  it('signs in a user whose name holds filter characters, by their exact name', async () => {
    const me = await as(OBRIEN, pw(OBRIEN), 'GET', '/api/security/me');
    expect(me.status).toBe(200);
    expect(json<{ userName: string; authenticated: boolean; source: string }>(me)).toMatchObject({
      userName: OBRIEN,
      authenticated: true,
      source: 'ldap', // the console offers no password change
    });
    const user = json<{ groups: string[]; source: string }>(
      await must(admin('GET', `/api/security/users/${encodeURIComponent(OBRIEN)}`), 200),
    );
    expect(user).toMatchObject({ source: 'ldap', groups: ['ops'] });
  });

  it('injection in the user name finds nobody: a clean 401, never a 500', async () => {
    for (const name of ['*', ')(', '\\00', '\0', 'admin)(uid=*', '*)(uid=*))(|(uid=*', 'alice*', 'al*ce']) {
      const r = await as(name, pw('alice'), 'GET', '/api/security/me');
      expect({ name, status: r.status }).toEqual({ name, status: 401 });
      const l = await login(name, pw('alice'));
      expect({ name, status: l.status }).toEqual({ name, status: 401 });
    }
    // The directory's injection attempt for the special user's own password does not work either.
    expect((await as("o'brien (ops)\\2a", pw(OBRIEN), 'GET', '/api/security/me')).status).toBe(401);
  });

  it('never counts an empty password (an unauthenticated bind)', async () => {
    expect((await login('frank', '')).status).toBe(401);
    expect((await as('frank', '', 'GET', '/api/security/me')).status).toBe(401);
    expect((await raw(t.url, 'GET', '/api/security/me', { headers: { 'X-ApiKey': 'frank:' } })).status).toBe(401);
    // Nobody was created.
    expect((await admin('GET', '/api/security/users/frank')).status).toBe(404);
  });

  it('throttles wrong directory passwords like built-in ones', async () => {
    for (let i = 0; i < 3; i++) expect((await login('bob', 'wrong-password')).status).toBe(401);
    const delayed = await login('bob', 'wrong-password');
    expect(delayed.status).toBe(429);
    expect(Number(delayed.headers['retry-after'])).toBeGreaterThan(0);
    // The right password too, from here, while delayed.
    expect((await login('bob', pw('bob'))).status).toBe(429);
  });

  it('refuses (403, audited) a directory user named like a built-in user; the Admin still signs in', async () => {
    const r = await login('admin', pw('admin'));
    expect(r.status).toBe(403);
    expect(r.text).toContain('never merged');
    const refused = await audit(AuditAction.SsoRefused);
    expect(refused).toContainEqual(
      expect.objectContaining({ target: 'admin', details: expect.objectContaining({ reason: 'user name taken' }) }),
    );
    expect((await login('Admin', ADMIN_PASSWORD)).status).toBe(200);
    const adminUser = json<{ source: string }>(await must(admin('GET', '/api/security/users/Admin'), 200));
    expect(adminUser.source).toBe('builtin');
  });

  it('takes privileges away when the directory removes the user from a group (refresh, and next sign-in)', async () => {
    expect((await as('dave', pw('dave'), 'GET', '/api/security/me')).status).toBe(200);
    await grant('deployers', 'View & Download', DEPLOY);
    expect((await as('dave', pw('dave'), 'GET', `/endpoints/${DEPLOY}/content/file.txt`)).status).toBe(200);

    await slapd.modify(
      `dn: ${groupDn('deployers')}\nchangetype: modify\nadd: member\nmember: ${personDn('bob')}\n-\ndelete: member\nmember: ${personDn('dave')}\n`,
    );
    // Still cached in the database until a refresh or a sign-in.
    expect((await as('dave', pw('dave'), 'GET', `/endpoints/${DEPLOY}/content/file.txt`)).status).toBe(200);
    const changed = await t.app.get(ExternalRefreshScheduler).refreshSoon();
    expect(changed).toBeGreaterThanOrEqual(1);
    expect([403, 404]).toContain((await as('dave', pw('dave'), 'GET', `/endpoints/${DEPLOY}/content/file.txt`)).status);
    const dave = json<{ groups: string[] }>(await must(admin('GET', '/api/security/users/dave'), 200));
    expect(dave.groups).toEqual(['company', 'devs', 'engineering', 'platform']);

    // At sign-in: remove dave from devs (and so from the nested ones): the console sign-in applies it.
    await slapd.modify(`dn: ${groupDn('devs')}\nchangetype: modify\ndelete: member\nmember: ${personDn('dave')}\n`);
    expect((await login('dave', pw('dave'))).status).toBe(200);
    const after = json<{ groups: string[] }>(await must(admin('GET', '/api/security/users/dave'), 200));
    expect(after.groups).toEqual([]);
  });

  it("stops an LDAP user's API key (and remembered password) once the directory no longer has them", async () => {
    expect((await login('carol', pw('carol'))).status).toBe(200);
    const created = json<{ key: string }>(
      await must(
        admin('POST', '/api/security/api-keys', { type: 'Personal', user: 'carol', displayName: 'carol ci' }),
        201,
      ),
    );
    const withKey = () =>
      raw(t.url, 'GET', `/endpoints/${FEED}/content/file.txt`, { headers: { 'X-ApiKey': created.key } });
    expect((await withKey()).status).toBe(200);

    await slapd.modify(`dn: ${personDn('carol')}\nchangetype: delete\n`);
    await new Promise((r) => setTimeout(r, 1200)); // STOCKROOM_LDAP_CACHE_SECONDS=1
    const stopped = await withKey();
    expect(stopped.status).toBe(401);
    expect(stopped.text).toContain('no longer in the directory');
    expect((await as('carol', pw('carol'), 'GET', '/api/security/me')).status).toBe(401);

    // The refresh disables her (audited); an administrator may delete her.
    await t.app.get(ExternalRefreshScheduler).refreshSoon();
    const carol = json<{ enabled: boolean }>(await must(admin('GET', '/api/security/users/carol'), 200));
    expect(carol.enabled).toBe(false);
    expect((await audit(AuditAction.SsoUserDisabled)).map((e) => e.target)).toContain('carol');
  });

  it('keeps external memberships and passwords read-only in the built-in endpoints; deleting works', async () => {
    const pwChange = await admin('PATCH', '/api/security/users/alice', { password: 'a-new-password-1' });
    expect(pwChange.status).toBe(400);
    expect(pwChange.text).toContain('LDAP');
    const members = await admin('PATCH', '/api/security/groups/devs', { members: ['alice', 'bob'] });
    expect(members.status).toBe(400);
    expect(members.text).toContain('LDAP');
    const groupsOfAlice = await admin('PATCH', '/api/security/users/alice', { groups: ['devs'] });
    expect(groupsOfAlice.status).toBe(400);
    // A built-in group may still hold an LDAP user.
    await must(admin('POST', '/api/security/groups', { name: 'local-team', members: ['alice'] }), 201);
    const user = json<{ groups: string[] }>(await must(admin('GET', '/api/security/users/alice'), 200));
    expect(user.groups).toContain('local-team');
    // Her next sign-in leaves the built-in group alone.
    expect((await login('alice', pw('alice'))).status).toBe(200);
    expect(json<{ groups: string[] }>(await must(admin('GET', '/api/security/users/alice'), 200)).groups).toContain(
      'local-team',
    );
  });

  it('POST /api/security/ldap/test answers what the directory says and creates nothing', async () => {
    const ok = json<{ ok: boolean; dn: string; groups: string[]; displayName: string; elapsedMs: number }>(
      await must(admin('POST', '/api/security/ldap/test', { userName: 'eve', password: pw('eve') }), 200),
    );
    expect(ok).toMatchObject({ ok: true, dn: `uid=eve,${LDAP_PEOPLE}`, displayName: 'Eve Online', groups: [] });
    expect(ok.elapsedMs).toBeGreaterThanOrEqual(0);
    const wrong = json<{ ok: boolean; error: string }>(
      await must(admin('POST', '/api/security/ldap/test', { userName: 'eve', password: 'nope' }), 200),
    );
    expect(wrong).toMatchObject({ ok: false });
    expect(wrong.error).toContain('refused the password');
    expect((await admin('GET', '/api/security/users/eve')).status).toBe(404);
    // Not for everyone.
    const asAlice = await as('alice', pw('alice'), 'POST', '/api/security/ldap/test');
    expect(asAlice.status).toBe(403);
  });

  it('GET /api/security/sso is public and carries no secret', async () => {
    const r = await raw(t.url, 'GET', '/api/security/sso');
    expect(r.status).toBe(200);
    expect(json(r)).toEqual({
      ldap: {
        enabled: true,
        url: slapd.url,
        startTls: false,
        userBase: LDAP_PEOPLE,
        userFilter: '(uid={username})',
        groupBase: expect.any(String),
        groupFilter: '(member={dn})',
      },
      oidc: { enabled: false },
    });
    expect(r.text).not.toContain('directory-root-secret');
  });

  it('a directory that hangs is a 503 for directory users within the timeout; the Admin still signs in', async () => {
    await slapd.freeze();
    try {
      const started = Date.now();
      const r = await login('eve', pw('eve'));
      expect(r.status).toBe(503);
      expect(r.text).toContain('directory (LDAP)');
      expect(Date.now() - started).toBeLessThan(4000);
      expect((await login('Admin', ADMIN_PASSWORD)).status).toBe(200);
      expect((await raw(t, 'GET', '/api/security/me')).status).toBe(200);
    } finally {
      await slapd.thaw();
    }
    expect((await login('eve', pw('eve'))).status).toBe(200);
  });

  it('deleting an LDAP user works', async () => {
    expect((await admin('DELETE', '/api/security/users/alice')).status).toBe(204);
    expect((await admin('GET', '/api/security/users/alice')).status).toBe(404);
  });
});
