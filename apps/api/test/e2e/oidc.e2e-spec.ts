import { Client } from 'pg';
import { raw } from '../support/http';
import { freePort, OidcProviders, PlainBrowser, startOidcProviders } from '../support/oidc-providers';
import { ServerProcess, startServerProcess } from '../support/server-process';
import { createTestDatabase, TestDatabase } from '../support/test-database';

/**
 * OpenID Connect sign-in (issue 19) against a real provider (npm `oidc-provider`, its own process:
 * ESM) and, for the ID-token faults a real provider never makes, a hand-written fake one. Stockroom
 * runs as a child process too (openid-client is ESM-only: jest cannot load it), on 127.0.0.1 while the
 * providers are on localhost (cookies ignore ports). Requests are made as a browser makes them:
 * redirects followed by hand, the provider's login form submitted.
 */
describe('OpenID Connect sign-in', () => {
  let db: TestDatabase;
  let providers: OidcProviders;
  /** Signs in with the real provider. */
  let server: ServerProcess;
  /** Signs in with the fake provider. */
  let faulty: ServerProcess;
  const json = { 'Content-Type': 'application/json' };

  beforeAll(async () => {
    db = await createTestDatabase();
    const [port, faultyPort] = [await freePort(), await freePort()];
    const base = `http://127.0.0.1:${port}`;
    providers = await startOidcProviders(base);
    const env = (issuer: string, p: number) => ({
      DATABASE_URL: db.url,
      PORT: String(p),
      STOCKROOM_BASE_URL: `http://127.0.0.1:${p}`,
      STOCKROOM_OIDC_ISSUER: issuer,
      STOCKROOM_OIDC_CLIENT_ID: providers.clientId,
      STOCKROOM_OIDC_CLIENT_SECRET: providers.clientSecret,
      STOCKROOM_OIDC_SCOPES: 'openid profile email groups',
      STOCKROOM_OIDC_KEY_MAX_IDLE_DAYS: '30',
    });
    server = await startServerProcess(env(providers.real, port));
    faulty = await startServerProcess(env(providers.fake, faultyPort));
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await faulty?.stop();
    await providers?.stop();
    await db?.drop();
  });

  const isCallback = (url: string) => url.includes('/api/security/oidc/callback');

  /** Up to the provider sending the browser back: the callback URL (not yet followed). */
  async function toCallback(browser: PlainBrowser, login: string, on = server, returnTo?: string): Promise<string> {
    const start = await browser.request(
      `${on.url}/api/security/oidc/login${returnTo === undefined ? '' : `?returnTo=${encodeURIComponent(returnTo)}`}`,
    );
    expect(start.status).toBe(302);
    let page = await browser.follow(start.location as string, isCallback);
    if (!page.location || !isCallback(page.location)) {
      // The provider's login form (any password); then straight back (consent is given).
      page = await browser.submit(page, { login, password: 'whatever' });
      if (page.location && !isCallback(page.location)) page = await browser.follow(page.location, isCallback);
    }
    if (!page.location || !isCallback(page.location)) {
      throw new Error(`The provider did not send the browser back: ${page.status} ${page.text.slice(0, 500)}`);
    }
    return page.location;
  }

  /** A complete sign-in: the browser's cookies then hold a Stockroom session. */
  async function signIn(login: string, returnTo?: string) {
    const browser = new PlainBrowser();
    const callback = await toCallback(browser, login, server, returnTo);
    const done = await browser.request(callback);
    return { browser, callback, done };
  }

  const me = async (browser: PlainBrowser, on = server) =>
    JSON.parse((await browser.request(`${on.url}/api/security/me`, { accept: 'application/json' })).text) as {
      authenticated: boolean;
      userName: string | null;
      credential: string;
      privileges: string[];
    };
  const user = async (name: string) => {
    const res = await raw(server, 'GET', `/api/security/users/${encodeURIComponent(name)}`);
    return { status: res.status, body: JSON.parse(res.text) as Record<string, unknown> };
  };
  const audit = async (action: string) =>
    (
      JSON.parse((await raw(server, 'GET', `/api/security/audit?action=${action}&limit=50`)).text) as {
        events: { userName: string | null; details: Record<string, unknown> }[];
      }
    ).events;
  const cookieValue = async (browser: PlainBrowser, url: string, name: string) =>
    (await browser.jar.getCookies(url)).find((c) => c.key === name)?.value;

  it('signs a new user in: created with source oidc and the groups of the ID token; back to returnTo', async () => {
    const { browser, done } = await signIn('alice', '/feeds/main?tab=files');
    expect(done.status).toBe(303);
    expect(done.location).toBe(`${server.url}/feeds/main?tab=files`);
    expect(await cookieValue(browser, server.url, 'stockroom_session')).toBeTruthy();
    expect(await me(browser)).toMatchObject({ authenticated: true, userName: 'alice', credential: 'session' });
    const alice = await user('alice');
    expect(alice.status).toBe(200);
    expect(alice.body).toMatchObject({
      userName: 'alice',
      displayName: 'Alice Liddell',
      email: 'alice@example.com',
      source: 'oidc',
      enabled: true,
    });
    expect([...(alice.body['groups'] as string[])].sort()).toEqual(['stockroom-readers', 'stockroom-writers']);
    expect(typeof alice.body['lastSignInAt']).toBe('string');
    const groups = JSON.parse((await raw(server, 'GET', '/api/security/groups')).text) as {
      name: string;
      source?: string;
    }[];
    expect(groups.find((g) => g.name === 'stockroom-writers')).toMatchObject({ source: 'oidc' });
    const succeeded = await audit('login.succeeded');
    expect(succeeded.find((e) => e.userName === 'alice')?.details).toMatchObject({ via: 'oidc' });
  });

  it('groups map to privileges; a group removed at the provider takes them away at the next sign-in', async () => {
    // The group exists once a member signed in (with it).
    const first = await signIn('alice');
    expect((await me(first.browser)).privileges).not.toContain('Feeds_AddPackage');
    const rule = await raw(server, 'POST', '/api/security/privileges', {
      headers: json,
      body: JSON.stringify({ principalType: 'group', principalName: 'stockroom-writers', role: 'Publish' }),
    });
    expect(rule.status).toBe(201);
    expect((await me(first.browser)).privileges).toEqual(
      expect.arrayContaining(['Feeds_ViewFeed', 'Feeds_AddPackage']),
    );

    await providers.setAccount('alice', { preferred_username: 'alice', groups: ['stockroom-readers'] });
    try {
      const second = await signIn('alice');
      expect(second.done.status).toBe(303);
      expect((await me(second.browser)).privileges).not.toContain('Feeds_AddPackage');
      expect((await user('alice')).body['groups']).toEqual(['stockroom-readers']);
    } finally {
      await providers.setAccount('alice', {
        preferred_username: 'alice',
        name: 'Alice Liddell',
        email: 'alice@example.com',
        groups: ['stockroom-readers', 'stockroom-writers'],
      });
    }
  });

  it('a returnTo that is not a path of this site goes to / (no open redirect)', async () => {
    for (const returnTo of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'javascript:alert(1)']) {
      const { done } = await signIn('alice', returnTo);
      expect(done.status).toBe(303);
      expect(done.location).toBe(`${server.url}/`);
    }
  });

  it('a wrong state is refused (400, audited): JSON for a script, the sign-in page with the reason for a browser', async () => {
    const browser = new PlainBrowser();
    const callback = new URL(await toCallback(browser, 'alice'));
    callback.searchParams.set('state', 'forged-state');
    const cookie = await browser.jar.getCookieString(callback.href);

    const asScript = await browser.request(callback.href, { accept: 'application/json', cookie });
    expect(asScript.status).toBe(400);
    expect(JSON.parse(asScript.text)).toEqual({
      code: 'bad_request',
      message: expect.stringContaining('wrong state'),
    });
    const asBrowser = await browser.request(callback.href, { cookie });
    expect(asBrowser.status).toBe(303);
    const to = new URL(asBrowser.location as string);
    expect(to.pathname).toBe('/sign-in');
    expect(to.searchParams.get('error')).toContain('wrong state');
    expect(await cookieValue(browser, server.url, 'stockroom_session')).toBeUndefined();

    // No state cookie at all: a callback this browser never started (login CSRF).
    const stranger = await new PlainBrowser().request(callback.href, { accept: 'application/json' });
    expect(stranger.status).toBe(400);
    expect(JSON.parse(stranger.text).message).toContain('did not start this sign-in');

    const failed = await audit('login.failed');
    expect(failed.some((e) => String(e.details['reason']).includes('wrong state'))).toBe(true);
  });

  it('a replayed code is refused by the provider: 401 with its reason, no session', async () => {
    const browser = new PlainBrowser();
    const callback = await toCallback(browser, 'alice');
    const stateCookie = await browser.jar.getCookieString(callback);
    expect((await browser.request(callback)).status).toBe(303);

    const replay = await new PlainBrowser().request(callback, { accept: 'application/json', cookie: stateCookie });
    expect(replay.status).toBe(401);
    expect(JSON.parse(replay.text).message).toMatch(/refused the authorization code \(invalid_grant/);
    expect(replay.text).not.toMatch(/ at .*\.js/); // no stack trace
  });

  it('groups claims of every shape: a string is one group, a wrong type gives no groups and a warning', async () => {
    expect((await signIn('carol')).done.status).toBe(303);
    expect((await user('carol')).body['groups']).toEqual(['stockroom-readers']);

    for (const name of ['bob', 'dora']) {
      const { done, browser } = await signIn(name);
      expect(done.status).toBe(303);
      expect(await me(browser)).toMatchObject({ authenticated: true, userName: name });
      expect((await user(name)).body['groups']).toEqual([]);
    }
    const succeeded = await audit('login.succeeded');
    expect(succeeded.find((e) => e.userName === 'bob')?.details['warning']).toMatch(/"groups" claim is of type number/);
    expect(succeeded.find((e) => e.userName === 'dora')?.details['warning']).toMatch(/not strings/);
  });

  it('no groups claim and no preferred_username (Google): the e-mail address is the name, no groups', async () => {
    expect((await signIn('gina')).done.status).toBe(303);
    expect((await user('gina@example.com')).body).toMatchObject({ source: 'oidc', groups: [], displayName: 'Gina G.' });
  });

  it('group IDs (Entra ID) become groups named by the ID', async () => {
    expect((await signIn('erin')).done.status).toBe(303);
    expect((await user('erin@contoso.example')).body['groups']).toEqual(['0d6e2c8a-5b1f-4f0e-9a57-3c1f2a9b8e71']);
  });

  it("a built-in user's name is refused (403, audited), never merged", async () => {
    const { done } = await signIn('admin');
    expect(done.status).toBe(303);
    const to = new URL(done.location as string);
    expect(to.pathname).toBe('/sign-in');
    expect(to.searchParams.get('error')).toMatch(/"Admin".*built-in user/);
    expect((await user('Admin')).body['source'] ?? 'builtin').toBe('builtin');
    const refused = await audit('sso.refused');
    expect(refused.some((e) => e.userName === 'Admin' && e.details['reason'] === 'user name taken')).toBe(true);
  });

  it('a group named like a pseudo-group (Everyone) is skipped and audited; the user signs in without it', async () => {
    const { done, browser } = await signIn('eve');
    expect(done.status).toBe(303);
    expect(await me(browser)).toMatchObject({ authenticated: true, userName: 'eve' });
    expect((await user('eve')).body['groups']).toEqual([]);
    const refused = await audit('sso.refused');
    expect(refused.some((e) => e.userName === 'eve' && e.details['group'] === 'Everyone')).toBe(true);
  });

  it("an OIDC user's API key works while they sign in now and then (STOCKROOM_OIDC_KEY_MAX_IDLE_DAYS)", async () => {
    const { browser } = await signIn('alice');
    const csrf = (await cookieValue(browser, server.url, 'XSRF-TOKEN')) as string;
    const created = await raw(server.url, 'POST', '/api/security/api-keys', {
      headers: { ...json, Cookie: await browser.jar.getCookieString(server.url), 'X-XSRF-TOKEN': csrf },
      body: JSON.stringify({ type: 'Personal', displayName: 'ci' }),
    });
    expect(created.status).toBe(201);
    const { key } = JSON.parse(created.text) as { key: string };
    const asKey = () => raw(server.url, 'GET', '/api/security/me', { headers: { 'X-ApiKey': key } });
    expect(JSON.parse((await asKey()).text)).toMatchObject({ userName: 'alice', credential: 'api-key' });

    // 31 days without a sign-in (the server was started with 30).
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      await pg.query(`UPDATE users SET last_sign_in_at = now() - interval '31 days' WHERE user_name = 'alice'`);
    } finally {
      await pg.end();
    }
    let refused = await asKey();
    for (let i = 0; i < 30 && refused.status !== 401; i++) {
      await new Promise((r) => setTimeout(r, 100)); // the key's cached row follows the change notification
      refused = await asKey();
    }
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.text).message).toMatch(/has not signed in for more than 30 days/);

    expect((await signIn('alice')).done.status).toBe(303);
    let again = await asKey();
    for (let i = 0; i < 30 && again.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      again = await asKey();
    }
    expect(again.status).toBe(200);
  });

  it("logout ends the session and offers the provider's end-session URL", async () => {
    const { browser } = await signIn('alice');
    const csrf = (await cookieValue(browser, server.url, 'XSRF-TOKEN')) as string;
    const out = await raw(server.url, 'POST', '/api/security/logout', {
      headers: { Cookie: await browser.jar.getCookieString(server.url), 'X-XSRF-TOKEN': csrf },
    });
    expect(out.status).toBe(200);
    const { endSessionUrl } = JSON.parse(out.text) as { endSessionUrl: string };
    const end = new URL(endSessionUrl);
    expect(end.origin).toBe(providers.real);
    expect(end.searchParams.get('client_id')).toBe(providers.clientId);
    expect(end.searchParams.get('post_logout_redirect_uri')).toBe(`${server.url}/`);
    // The provider knows the client and the address to come back to: it asks to confirm.
    const page = await browser.request(endSessionUrl);
    expect(page.status).toBe(200);
    expect(await me(browser)).toMatchObject({ authenticated: false });
  });

  it('an unreachable provider: 503 for a script, the sign-in page with the reason for a browser; passwords still work', async () => {
    const port = await freePort();
    const dead = await startServerProcess({
      DATABASE_URL: db.url,
      PORT: String(port),
      STOCKROOM_BASE_URL: `http://127.0.0.1:${port}`,
      STOCKROOM_OIDC_ISSUER: `http://localhost:${await freePort()}`,
      STOCKROOM_OIDC_CLIENT_ID: 'stockroom',
    });
    try {
      const browser = new PlainBrowser();
      const asScript = await browser.request(`${dead.url}/api/security/oidc/login`, { accept: 'application/json' });
      expect(asScript.status).toBe(503);
      expect(JSON.parse(asScript.text)).toMatchObject({
        code: 'service_unavailable',
        message: expect.stringContaining('could not be reached'),
      });
      const asBrowser = await browser.request(`${dead.url}/api/security/oidc/login`);
      expect(asBrowser.status).toBe(303);
      expect(new URL(asBrowser.location as string).searchParams.get('error')).toContain('could not be reached');
      expect((await raw(dead, 'GET', '/api/security/me')).status).toBe(200);
    } finally {
      await dead.stop();
    }
  });

  it('ID tokens for another audience, expired, wrongly signed or with an unknown kid are refused (401)', async () => {
    const cases: [string, RegExp][] = [
      ['audience', /"aud"/],
      ['expired', /exp/],
      ['signature', /signature/i],
      ['kid', /key|kid|signature/i],
    ];
    for (const [fault, reason] of cases) {
      await providers.setFault(fault);
      const browser = new PlainBrowser();
      const callback = await toCallback(browser, 'faker', faulty);
      const res = await browser.request(callback, { accept: 'application/json' });
      expect({ fault, status: res.status }).toEqual({ fault, status: 401 });
      const { message } = JSON.parse(res.text) as { message: string };
      expect(message).toMatch(/the ID token was refused/);
      expect(message).toMatch(reason);
      expect(await cookieValue(browser, faulty.url, 'stockroom_session')).toBeUndefined();
    }
    // The same fake provider with a correct token: the faults above were the only difference.
    await providers.setFault('none');
    const browser = new PlainBrowser();
    const ok = await browser.request(await toCallback(browser, 'faker', faulty));
    expect(ok.status).toBe(303);
    expect(await me(browser, faulty)).toMatchObject({ authenticated: true, userName: 'faker' });
  });
});
