import { loadConfig } from './app-config';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({}, '/srv/app');
    expect(config.port).toBe(8624);
    expect(config.dataDir).toBe('/srv/app/data');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.import).toEqual({ maxExpandedBytes: 10 * 1024 ** 3, maxEntries: 100_000, maxCompressionRatio: 200 });
    expect(config.clients).toEqual({ bodyIdleSeconds: 60, maxConnectionsPerAddress: 256 });
  });

  it('lists every invalid variable at once', () => {
    expect(() => loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', STOCKROOM_IMPORT_MAX_RATIO: '-1' })).toThrow(
      /PORT="abc".*\n.*DATABASE_URL="mysql:\/\/x".*\n.*STOCKROOM_IMPORT_MAX_RATIO="-1"/,
    );
  });

  it('takes STOCKROOM_DAV_MAC_FILES as refuse (default) or store, and refuses anything else', () => {
    expect(loadConfig({}).davMacFiles).toBe('refuse');
    expect(loadConfig({ STOCKROOM_DAV_MAC_FILES: 'store' }).davMacFiles).toBe('store');
    expect(() => loadConfig({ STOCKROOM_DAV_MAC_FILES: 'hide' })).toThrow(
      /STOCKROOM_DAV_MAC_FILES="hide": expected one of store, refuse/,
    );
  });

  it('takes STOCKROOM_METRICS_ACCESS as administer (default) or public, and refuses anything else', () => {
    expect(loadConfig({}).metricsAccess).toBe('administer');
    expect(loadConfig({ STOCKROOM_METRICS_ACCESS: 'Public' }).metricsAccess).toBe('public');
    expect(() => loadConfig({ STOCKROOM_METRICS_ACCESS: 'everyone' })).toThrow(
      /STOCKROOM_METRICS_ACCESS="everyone": expected one of administer, public/,
    );
  });

  it('keeps a base URL without its trailing slash', () => {
    expect(loadConfig({ STOCKROOM_BASE_URL: 'https://files.example.com/' }).baseUrl).toBe('https://files.example.com');
  });

  it("takes a content origin on another host name, and refuses one on the console's (cookies ignore ports)", () => {
    const ok = loadConfig({
      STOCKROOM_BASE_URL: 'https://stockroom.example.com',
      STOCKROOM_CONTENT_URL: 'https://content.example-usercontent.com/',
    });
    expect(ok.contentUrl).toBe('https://content.example-usercontent.com');
    expect(ok.signedUrlSeconds).toBe(300);
    expect(() =>
      loadConfig({
        STOCKROOM_BASE_URL: 'https://Stockroom.example.com',
        STOCKROOM_CONTENT_URL: 'http://stockroom.example.com:8625',
      }),
    ).toThrow(/STOCKROOM_CONTENT_URL: must have another host name/);
    expect(() => loadConfig({ STOCKROOM_CONTENT_URL: 'ftp://content.example.com' })).toThrow(/STOCKROOM_CONTENT_URL=/);
    expect(() => loadConfig({ STOCKROOM_SIGNED_URL_SECONDS: '0' })).toThrow(/STOCKROOM_SIGNED_URL_SECONDS="0"/);
  });

  it('reads the log and shutdown settings: quiet text logs and 25 s by default, bad values named', () => {
    const defaults = loadConfig({});
    expect(defaults.log).toEqual({ level: 'info', format: 'text', requests: false });
    expect(defaults.shutdownSeconds).toBe(25);
    const set = loadConfig({
      STOCKROOM_LOG_LEVEL: 'DEBUG',
      STOCKROOM_LOG_FORMAT: 'json',
      STOCKROOM_LOG_REQUESTS: 'true',
      STOCKROOM_SHUTDOWN_SECONDS: '5',
      PORT: '0',
    });
    expect(set.log).toEqual({ level: 'debug', format: 'json', requests: true });
    expect(set.shutdownSeconds).toBe(5);
    expect(set.port).toBe(0);
    expect(() =>
      loadConfig({
        STOCKROOM_LOG_LEVEL: 'verbose',
        STOCKROOM_LOG_FORMAT: 'pretty',
        STOCKROOM_LOG_REQUESTS: 'sometimes',
        STOCKROOM_SHUTDOWN_SECONDS: '-1',
      }),
    ).toThrow(
      /STOCKROOM_LOG_LEVEL="verbose": expected one of error, warn, info, debug, trace\n.*STOCKROOM_LOG_FORMAT="pretty": expected one of text, json\n.*STOCKROOM_LOG_REQUESTS="sometimes".*\n.*STOCKROOM_SHUTDOWN_SECONDS="-1"/,
    );
  });

  it('[ext] LDAP and OIDC blocks: absent unless configured, with the documented defaults (issue 19)', () => {
    const none = loadConfig({});
    expect(none.ldap).toBeUndefined();
    expect(none.oidc).toBeUndefined();
    expect(none.ssoRefreshMinutes).toBe(15);
    const config = loadConfig({
      STOCKROOM_LDAP_URL: 'ldaps://dc1.example.com:636',
      STOCKROOM_LDAP_BIND_DN: 'cn=svc,dc=example,dc=com',
      STOCKROOM_LDAP_BIND_PASSWORD: 'secret',
      STOCKROOM_LDAP_USER_BASE: 'ou=people,dc=example,dc=com',
      STOCKROOM_OIDC_ISSUER: 'https://idp.example.com/realms/x',
      STOCKROOM_OIDC_CLIENT_ID: 'stockroom',
    });
    expect(config.ldap).toEqual({
      url: 'ldaps://dc1.example.com:636',
      startTls: false,
      caFile: undefined,
      bindDn: 'cn=svc,dc=example,dc=com',
      bindPassword: 'secret',
      userBase: 'ou=people,dc=example,dc=com',
      userFilter: '(uid={username})',
      groupBase: 'ou=people,dc=example,dc=com',
      groupFilter: '(member={dn})',
      attrDisplayName: 'cn',
      attrEmail: 'mail',
      attrGroupName: 'cn',
      timeoutSeconds: 5,
      cacheSeconds: 60,
    });
    expect(config.oidc).toEqual({
      issuer: 'https://idp.example.com/realms/x',
      clientId: 'stockroom',
      clientSecret: undefined,
      scopes: 'openid profile email',
      groupsClaim: 'groups',
      usernameClaim: 'preferred_username',
      providerName: undefined,
      keyMaxIdleDays: 90,
    });
  });

  it('[ext] lists every bad LDAP/OIDC variable at once, never echoing a password', () => {
    let message = '';
    try {
      loadConfig({
        STOCKROOM_LDAP_URL: 'http://dc1',
        STOCKROOM_LDAP_BIND_DN: 'cn=svc',
        STOCKROOM_LDAP_USER_FILTER: '(uid=x)',
        STOCKROOM_LDAP_CA_FILE: '/nonexistent/ca.pem',
        STOCKROOM_LDAP_TIMEOUT_SECONDS: '0',
        STOCKROOM_OIDC_CLIENT_ID: 'orphan',
      });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('STOCKROOM_LDAP_URL="http://dc1": expected a ldap: or ldaps: URL');
    expect(message).toContain('STOCKROOM_LDAP_USER_BASE: required');
    expect(message).toContain('STOCKROOM_LDAP_BIND_PASSWORD: required with STOCKROOM_LDAP_BIND_DN');
    expect(message).toContain('STOCKROOM_LDAP_USER_FILTER: must contain {username}');
    expect(message).toContain('STOCKROOM_LDAP_CA_FILE="/nonexistent/ca.pem": no such file');
    expect(message).toContain('STOCKROOM_LDAP_TIMEOUT_SECONDS="0"');
    expect(message).toContain('STOCKROOM_OIDC_CLIENT_ID: set without STOCKROOM_OIDC_ISSUER');
    expect(() =>
      loadConfig({ STOCKROOM_OIDC_ISSUER: 'https://idp.example.com', STOCKROOM_OIDC_SCOPES: 'profile email' }),
    ).toThrow(/STOCKROOM_OIDC_CLIENT_ID: required[\s\S]*STOCKROOM_OIDC_SCOPES: must include openid/);
  });
});
