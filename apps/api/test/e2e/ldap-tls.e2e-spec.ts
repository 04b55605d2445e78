import { raw } from '../support/http';
import { Slapd } from '../support/slapd';
import { startTestApp, type TestApp } from '../support/test-app';

/** LDAP over TLS (issue 19): StartTLS and ldaps://, trusting the directory's CA from STOCKROOM_LDAP_CA_FILE. */
describe('LDAP over TLS (issue 19)', () => {
  let slapd: Slapd;
  const apps: TestApp[] = [];
  const people = [{ uid: 'tess', password: 'tess-directory-pw', cn: 'Tess Ling' }];

  const login = (t: TestApp) =>
    raw(t.url, 'POST', '/api/security/login', {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userName: 'tess', password: 'tess-directory-pw' }),
    });
  const start = async (env: Record<string, string>) => {
    const t = await startTestApp(slapd.env({ STOCKROOM_LDAP_TIMEOUT_SECONDS: '2', ...env }));
    apps.push(t);
    return t;
  };

  beforeAll(async () => {
    slapd = await Slapd.start(people, [{ cn: 'tls-team', people: ['tess'] }], { tls: true });
  }, 120_000);

  afterAll(async () => {
    for (const t of apps) await t.close();
    await slapd?.stop();
  });

  it('signs in with StartTLS, trusting the CA file', async () => {
    const t = await start({ STOCKROOM_LDAP_STARTTLS: 'true', STOCKROOM_LDAP_CA_FILE: slapd.caFile });
    expect((await login(t)).status).toBe(200);
  });

  it('signs in over ldaps://, trusting the CA file', async () => {
    const t = await start({
      STOCKROOM_LDAP_URL: `ldaps://127.0.0.1:${slapd.tlsPort}`,
      STOCKROOM_LDAP_CA_FILE: slapd.caFile,
    });
    expect((await login(t)).status).toBe(200);
  });

  it('refuses a certificate it cannot trust: a 503 with the reason, never a plain-text fallback', async () => {
    const t = await start({ STOCKROOM_LDAP_URL: `ldaps://127.0.0.1:${slapd.tlsPort}` });
    const r = await login(t);
    expect(r.status).toBe(503);
    expect(r.text).toContain('directory (LDAP)');
    const startTls = await start({ STOCKROOM_LDAP_STARTTLS: 'true' });
    expect((await login(startTls)).status).toBe(503);
  });
});
