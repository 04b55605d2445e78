import { randomBytes } from 'node:crypto';
import { groupsFromClaim, OidcStateSigner, safeReturnTo } from './oidc-state';

describe('OIDC sign-in state', () => {
  const signer = new OidcStateSigner(randomBytes(32));
  const pending = { state: 's', nonce: 'n', codeVerifier: 'v', returnTo: '/x', expires: 2000 };

  it('opens what it sealed, before it expires; refuses an altered, foreign, expired or missing cookie', () => {
    const sealed = signer.seal(pending);
    expect(signer.open(sealed, 1999)).toEqual({ ok: true, pending });
    expect(signer.open(sealed, 2000)).toEqual({ ok: false, reason: 'expired' });
    const [payload, mac] = sealed.split('.');
    const forged = Buffer.from(JSON.stringify({ ...pending, returnTo: '//evil' })).toString('base64url');
    expect(signer.open(`${forged}.${mac}`, 1000)).toEqual({ ok: false, reason: 'signature' });
    expect(new OidcStateSigner(randomBytes(32)).open(sealed, 1000)).toEqual({ ok: false, reason: 'signature' });
    expect(signer.open(payload, 1000)).toEqual({ ok: false, reason: 'signature' });
    expect(signer.open(undefined, 1000)).toEqual({ ok: false, reason: 'missing' });
  });

  it('returnTo: a path of this site, else /', () => {
    expect(safeReturnTo('/feeds/a?b=c#d')).toBe('/feeds/a?b=c#d');
    for (const bad of [
      '//evil.example',
      '/\\evil.example',
      'https://evil.example',
      'feeds',
      '/a\nb',
      '/a\\b',
      42,
      null,
    ]) {
      expect(safeReturnTo(bad)).toBe('/');
    }
  });

  it('groups claim: list of strings, one string, absent; anything else is no groups and a warning', () => {
    expect(groupsFromClaim(['a', ' b ', 'a', ''], 'groups')).toEqual({ groups: ['a', 'b'] });
    expect(groupsFromClaim('a', 'groups')).toEqual({ groups: ['a'] });
    expect(groupsFromClaim(undefined, 'groups')).toEqual({ groups: [] });
    expect(groupsFromClaim(42, 'roles').warning).toMatch(/"roles" claim is of type number/);
    expect(groupsFromClaim({ a: 1 }, 'groups').warning).toMatch(/is of type object/);
    expect(groupsFromClaim(['a', 1], 'groups')).toMatchObject({
      groups: [],
      warning: expect.stringMatching(/not strings/),
    });
  });
});
