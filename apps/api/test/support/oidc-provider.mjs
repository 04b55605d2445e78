/**
 * Identity providers for the OpenID Connect tests (issue 19), in their own process: `oidc-provider`
 * and `jose` are ESM-only and cannot load inside jest.
 *
 *   node apps/api/test/support/oidc-provider.mjs <Stockroom base URL>
 *
 * starts, on `localhost` (Stockroom runs on 127.0.0.1: cookies ignore ports, host names keep them apart):
 *  1. a real OpenID provider (npm `oidc-provider`): one confidential client `stockroom` (secret
 *     `stockroom-secret`, client_secret_post, PKCE required) whose redirect URI is
 *     `<base>/api/security/oidc/callback`; its development login form takes any password, the login
 *     name is the account; consent is granted without asking. Accounts: see ACCOUNTS (any other name
 *     is an account with no groups). `POST /_test/accounts/<id>` (JSON claims) changes an account.
 *  2. a fake provider, for the faults a real one never makes: the ID token for another audience,
 *     expired, signed with the wrong key, or with an unknown `kid` (`POST /_test/fault?name=…`;
 *     `none` gives a correct token). Its authorization endpoint sends the browser straight back.
 * and prints `OIDC provider at <url>` and `Fake IdP at <url>` once both listen.
 */
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import * as jose from 'jose';
import Provider from 'oidc-provider';

const base = (process.argv[2] ?? '').replace(/\/+$/, '');
if (!/^https?:\/\//.test(base)) {
  console.error('usage: node oidc-provider.mjs <Stockroom base URL>');
  process.exit(2);
}
const CLIENT = { id: 'stockroom', secret: 'stockroom-secret' };
const redirectUri = `${base}/api/security/oidc/callback`;

/** Claims per account (the login name typed in the form). */
const ACCOUNTS = {
  alice: {
    preferred_username: 'alice',
    name: 'Alice Liddell',
    email: 'alice@example.com',
    groups: ['stockroom-readers', 'stockroom-writers'],
  },
  // A provider that sends one group as a string.
  carol: { preferred_username: 'carol', email: 'carol@example.com', groups: 'stockroom-readers' },
  // Wrong types: no groups, a warning, never a crash.
  bob: { preferred_username: 'bob', groups: 42 },
  dora: { preferred_username: 'dora', groups: ['ok', { id: 1 }] },
  // Google: no groups claim, no preferred_username (the e-mail address is the name).
  gina: { email: 'gina@example.com', name: 'Gina G.' },
  // Entra ID: group object IDs.
  erin: { preferred_username: 'erin@contoso.example', groups: ['0d6e2c8a-5b1f-4f0e-9a57-3c1f2a9b8e71'] },
  // Clashes: a built-in user's name, a pseudo-group's name.
  admin: { preferred_username: 'Admin' },
  eve: { preferred_username: 'eve', groups: ['Everyone'] },
};

function claimsOf(id) {
  const own = ACCOUNTS[id] ?? { preferred_username: id };
  return { sub: `sub-${id}`, ...own };
}

async function listen(server) {
  await new Promise((resolve) => server.listen(0, 'localhost', resolve));
  return `http://localhost:${server.address().port}`;
}

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

function json(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

// ---- 1. the real provider ----------------------------------------------------------------------
const realServer = createServer();
const realUrl = await listen(realServer);
const signingKey = await jose.exportJWK((await jose.generateKeyPair('RS256', { extractable: true })).privateKey);
const provider = new Provider(realUrl, {
  clients: [
    {
      client_id: CLIENT.id,
      client_secret: CLIENT.secret,
      redirect_uris: [redirectUri],
      post_logout_redirect_uris: [`${base}/`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  jwks: { keys: [{ ...signingKey, kid: 'real-1', use: 'sig', alg: 'RS256' }] },
  pkce: { required: () => true },
  scopes: ['openid', 'profile', 'email', 'groups'],
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    email: ['email'],
    groups: ['groups'],
  },
  // The scopes' claims in the ID token itself (not only from the userinfo endpoint), as Keycloak and Entra ID do.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  findAccount: (_ctx, id) => ({ accountId: id, claims: () => claimsOf(id) }),
  // Consent is given: the login form is the only interaction.
  loadExistingGrant: async (ctx) => {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid profile email groups');
    await grant.save();
    return grant;
  },
  cookies: { keys: [randomBytes(16).toString('hex')] },
});
const providerCallback = provider.callback();
realServer.on('request', async (req, res) => {
  const m = /^\/_test\/accounts\/([^/?]+)$/.exec(req.url ?? '');
  if (m && req.method === 'POST') {
    ACCOUNTS[decodeURIComponent(m[1])] = JSON.parse(await readBody(req));
    return json(res, 200, { ok: true });
  }
  return providerCallback(req, res);
});

// ---- 2. the fake provider (faults only) ----------------------------------------------------------
const fakeServer = createServer();
const fakeUrl = await listen(fakeServer);
const good = await jose.generateKeyPair('RS256');
const wrong = await jose.generateKeyPair('RS256');
const goodPublic = { ...(await jose.exportJWK(good.publicKey)), kid: 'good', use: 'sig', alg: 'RS256' };
const codes = new Map();
let fault = 'none';

async function idToken({ nonce }) {
  const now = Math.floor(Date.now() / 1000);
  const claims = { nonce, preferred_username: 'faker', groups: ['fakers'] };
  const aud = fault === 'audience' ? 'someone-else' : CLIENT.id;
  const iat = fault === 'expired' ? now - 7200 : now;
  const exp = fault === 'expired' ? now - 3600 : now + 300;
  const key = fault === 'signature' || fault === 'kid' ? wrong.privateKey : good.privateKey;
  const kid = fault === 'kid' ? 'unknown' : 'good';
  return new jose.SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid })
    .setIssuer(fakeUrl)
    .setSubject('fake-user')
    .setAudience(aud)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(key);
}

fakeServer.on('request', async (req, res) => {
  const url = new URL(req.url ?? '/', fakeUrl);
  if (url.pathname === '/.well-known/openid-configuration') {
    return json(res, 200, {
      issuer: fakeUrl,
      authorization_endpoint: `${fakeUrl}/authorize`,
      token_endpoint: `${fakeUrl}/token`,
      jwks_uri: `${fakeUrl}/jwks`,
      response_types_supported: ['code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['client_secret_post'],
    });
  }
  if (url.pathname === '/jwks') return json(res, 200, { keys: [goodPublic] });
  if (url.pathname === '/authorize') {
    const code = randomBytes(16).toString('hex');
    codes.set(code, { nonce: url.searchParams.get('nonce') });
    const back = new URL(url.searchParams.get('redirect_uri') ?? redirectUri);
    back.searchParams.set('code', code);
    back.searchParams.set('state', url.searchParams.get('state') ?? '');
    res.writeHead(302, { Location: back.href });
    return res.end();
  }
  if (url.pathname === '/token' && req.method === 'POST') {
    const form = new URLSearchParams(await readBody(req));
    const pending = codes.get(form.get('code') ?? '');
    codes.delete(form.get('code') ?? '');
    if (!pending || form.get('client_secret') !== CLIENT.secret) return json(res, 400, { error: 'invalid_grant' });
    return json(res, 200, {
      access_token: 'fake',
      token_type: 'Bearer',
      expires_in: 300,
      id_token: await idToken(pending),
    });
  }
  if (url.pathname === '/_test/fault' && req.method === 'POST') {
    fault = url.searchParams.get('name') ?? 'none';
    return json(res, 200, { fault });
  }
  return json(res, 404, { error: 'not_found' });
});

console.log(`OIDC provider at ${realUrl}`);
console.log(`Fake IdP at ${fakeUrl}`);
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
