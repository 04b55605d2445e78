import type { IncomingHttpHeaders } from 'node:http';
import { readCredential, SESSION_COOKIE } from './credentials';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const basic = (user: string, password: string) => `Basic ${b64(`${user}:${password}`)}`;
const read = (headers: IncomingHttpHeaders, key?: string) => readCredential(headers, key);

describe('readCredential (spec §6: first match wins)', () => {
  it('no credentials at all is "none" (the Anonymous principal)', () => {
    expect(read({})).toEqual({ kind: 'none' });
    expect(read({ 'user-agent': 'curl/8', accept: '*/*' })).toEqual({ kind: 'none' });
  });

  describe('X-ApiKey', () => {
    it('a plain value is a key, trimmed', () => {
      expect(read({ 'x-apikey': 'abc123' })).toEqual({ kind: 'key', key: 'abc123', via: 'x-apikey' });
      expect(read({ 'x-apikey': '  abc123\t' })).toEqual({ kind: 'key', key: 'abc123', via: 'x-apikey' });
    });

    it('user:password (pgutil) is a pseudo-key: a user and password (no key holds a colon)', () => {
      expect(read({ 'x-apikey': 'alice:s3cret' })).toEqual({
        kind: 'password',
        userName: 'alice',
        password: 's3cret',
        via: 'x-apikey',
      });
    });

    it('splits a pseudo-key at the first colon: passwords may contain colons, user names may not', () => {
      expect(read({ 'x-apikey': 'bob:pa:ss:word' })).toMatchObject({
        kind: 'password',
        userName: 'bob',
        password: 'pa:ss:word',
      });
      expect(read({ 'x-apikey': 'carol:' })).toMatchObject({
        kind: 'password',
        userName: 'carol',
        password: '',
      });
    });

    it('a pseudo-key sent as UTF-8 bytes (pgutil, curl -H) reads as UTF-8, not as latin1', () => {
      // Node hands a header's bytes over one char per byte (latin1): "ë" arrives as "Ã«".
      const onTheWire = Buffer.from('Zoë 東京:pässwörd', 'utf8').toString('latin1');
      expect(read({ 'x-apikey': onTheWire })).toMatchObject({
        kind: 'password',
        userName: 'Zoë 東京',
        password: 'pässwörd',
      });
    });

    it('an empty or blank X-ApiKey is malformed (401), never anonymous', () => {
      expect(read({ 'x-apikey': '' }).kind).toBe('malformed');
      expect(read({ 'x-apikey': '   ' }).kind).toBe('malformed');
      // ...even when a good credential follows in a lower-precedence form.
      expect(read({ 'x-apikey': '', authorization: basic('alice', 'pw') }).kind).toBe('malformed');
    });

    it('a repeated header (array form) uses the first value', () => {
      expect(read({ 'x-apikey': ['first', 'second'] as unknown as string })).toEqual({
        kind: 'key',
        key: 'first',
        via: 'x-apikey',
      });
    });

    it('beats every other form', () => {
      const all: IncomingHttpHeaders = {
        'x-apikey': 'from-x-apikey',
        'x-proget-apikey': 'from-proget',
        authorization: basic('api', 'from-basic'),
        cookie: `${SESSION_COOKIE}=tok`,
      };
      expect(read(all, 'from-query')).toEqual({ kind: 'key', key: 'from-x-apikey', via: 'x-apikey' });
    });

    it('the .NET client sends X-ApiKey and X-ProGet-ApiKey together with the same key: one key', () => {
      expect(read({ 'x-apikey': 'k'.repeat(43), 'x-proget-apikey': 'k'.repeat(43) })).toEqual({
        kind: 'key',
        key: 'k'.repeat(43),
        via: 'x-apikey',
      });
    });
  });

  describe('X-ProGet-ApiKey', () => {
    it('is a key (never a pseudo-key), trimmed', () => {
      expect(read({ 'x-proget-apikey': ' key-1 ' })).toEqual({ kind: 'key', key: 'key-1', via: 'x-proget-apikey' });
      expect(read({ 'x-proget-apikey': 'a:b' })).toEqual({ kind: 'key', key: 'a:b', via: 'x-proget-apikey' });
    });

    it('empty is malformed', () => {
      expect(read({ 'x-proget-apikey': '' }).kind).toBe('malformed');
      expect(read({ 'x-proget-apikey': ' ' }).kind).toBe('malformed');
    });

    it('beats Authorization, the query key and the cookie', () => {
      expect(
        read({ 'x-proget-apikey': 'pk', authorization: basic('alice', 'pw'), cookie: `${SESSION_COOKIE}=t` }, 'qk'),
      ).toEqual({ kind: 'key', key: 'pk', via: 'x-proget-apikey' });
    });
  });

  describe('Authorization: Basic', () => {
    it('user "api" carries a key as the password, in any case', () => {
      expect(read({ authorization: basic('api', 'the-key') })).toEqual({ kind: 'key', key: 'the-key', via: 'basic' });
      expect(read({ authorization: basic('API', 'the-key') })).toEqual({ kind: 'key', key: 'the-key', via: 'basic' });
      expect(read({ authorization: basic('Api', 'a:b') })).toEqual({ kind: 'key', key: 'a:b', via: 'basic' });
    });

    it('any other user is a user name and password', () => {
      expect(read({ authorization: basic('alice', 'pw') })).toEqual({
        kind: 'password',
        userName: 'alice',
        password: 'pw',
        via: 'basic',
      });
    });

    it('the password may contain colons and be empty', () => {
      expect(read({ authorization: basic('alice', 'a:b:c') })).toMatchObject({ userName: 'alice', password: 'a:b:c' });
      expect(read({ authorization: basic('alice', '') })).toMatchObject({
        kind: 'password',
        userName: 'alice',
        password: '',
      });
    });

    it('decodes the base64 as UTF-8 (RFC 7617 charset="UTF-8")', () => {
      expect(read({ authorization: basic('Zoë 東京', 'pässwörd✓') })).toMatchObject({
        kind: 'password',
        userName: 'Zoë 東京',
        password: 'pässwörd✓',
      });
    });

    it('accepts any case of the scheme, extra spaces and missing padding', () => {
      const encoded = b64('alice:pw'); // "YWxpY2U6cHc="
      for (const header of [
        `basic ${encoded}`,
        `BASIC ${encoded}`,
        `Basic    ${encoded}`,
        `Basic ${encoded}  `,
        `Basic ${encoded.replace(/=+$/, '')}`,
      ]) {
        expect(read({ authorization: header })).toMatchObject({ kind: 'password', userName: 'alice', password: 'pw' });
      }
    });

    it.each([
      ['the scheme alone', 'Basic'],
      ['an empty value', ''],
      ['not base64', 'Basic !!!not-base64!!!'],
      ['base64 with a bad length', 'Basic YWxpY2U6c'],
      ['no colon', `Basic ${b64('alice')}`],
      ['an empty user name', `Basic ${b64(':password')}`],
      ['two tokens', `Basic ${b64('a:b')} ${b64('c:d')}`],
      ['another scheme', 'Bearer abc.def.ghi'],
      ['Digest', 'Digest username="alice"'],
      ['a bare token', 'YWxpY2U6cHc='],
    ])('%s is malformed (401), never anonymous', (_label, authorization) => {
      expect(read({ authorization }).kind).toBe('malformed');
    });

    it('a malformed Authorization header is not rescued by a query key or a cookie', () => {
      expect(read({ authorization: 'Bearer x', cookie: `${SESSION_COOKIE}=tok` }, 'qk').kind).toBe('malformed');
    });

    it('beats the query key and the cookie', () => {
      expect(read({ authorization: basic('alice', 'pw'), cookie: `${SESSION_COOKIE}=tok` }, 'qk')).toMatchObject({
        kind: 'password',
        userName: 'alice',
      });
    });
  });

  describe('query key', () => {
    it('?key= is a key', () => {
      expect(read({}, 'qk-123')).toEqual({ kind: 'key', key: 'qk-123', via: 'query' });
    });

    it('an empty ?key= is malformed', () => {
      expect(read({}, '').kind).toBe('malformed');
    });

    it('beats the session cookie', () => {
      expect(read({ cookie: `${SESSION_COOKIE}=tok` }, 'qk')).toEqual({ kind: 'key', key: 'qk', via: 'query' });
    });
  });

  describe('session cookie', () => {
    it('the stockroom_session cookie is a session token, among other cookies', () => {
      expect(read({ cookie: `${SESSION_COOKIE}=tok-1` })).toEqual({ kind: 'session', token: 'tok-1' });
      expect(read({ cookie: `theme=dark; ${SESSION_COOKIE}=tok-2; XSRF-TOKEN=x` })).toEqual({
        kind: 'session',
        token: 'tok-2',
      });
    });

    it('other cookies, or an empty session cookie, are no credential', () => {
      expect(read({ cookie: 'XSRF-TOKEN=abc; theme=dark' })).toEqual({ kind: 'none' });
      expect(read({ cookie: `${SESSION_COOKIE}=` })).toEqual({ kind: 'none' });
      expect(read({ cookie: '' })).toEqual({ kind: 'none' });
      expect(read({ cookie: 'garbage;;;==' })).toEqual({ kind: 'none' });
    });
  });
});
