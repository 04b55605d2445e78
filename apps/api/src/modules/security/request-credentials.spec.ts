import express from 'express';
import request from 'supertest';
import { presentedCredentials } from './request-credentials';

/** A real HTTP server that answers with what the edge read from each request. */
const app = express();
app.set('trust proxy', true);
app.use((req, res) => {
  res.json(presentedCredentials(req));
});

const get = (url: string) => request(app).get(url);

describe('presentedCredentials (the HTTP edge of authentication)', () => {
  it('a signed download URL is its own and only credential: headers, cookies and ?key= are not read', async () => {
    const res = await get('/endpoints/My%20Dir/Content/sub/%C3%A9.txt?expires=99&version=abc&signature=s1g&key=k')
      .set('X-ApiKey', 'some-key')
      .set('Cookie', 'stockroom_session=tok')
      .set('X-XSRF-TOKEN', 'x');
    expect(res.body).toEqual({
      address: '127.0.0.1',
      credential: {
        kind: 'signed-url',
        request: {
          method: 'GET',
          operation: 'content',
          target: { feed: 'My Dir', path: 'sub/é.txt' },
          expires: '99',
          version: 'abc',
          signature: 's1g',
        },
      },
    });
  });

  it('a signed URL that does not decode still presents as signed, without a target (refused later)', async () => {
    const res = await request(app).head('/endpoints/%E0%A4%A/content/x?signature=');
    expect(res.status).toBe(200);
    const withBody = await get('/endpoints/%E0%A4%A/content/x?SIGNATURE=&multipart=upload');
    expect(withBody.body.credential).toEqual({
      kind: 'signed-url',
      request: { method: 'GET', operation: 'content', multipart: 'upload', signature: '' },
    });
  });

  it('a signature outside /endpoints/ is no signed URL', async () => {
    const res = await get('/api/anything?signature=abc');
    expect(res.body.credential).toEqual({ kind: 'none' });
  });

  it('otherwise the first credential that matches (spec §6), and the CSRF token sent back', async () => {
    const res = await get('/endpoints/d/content/f?key=from-query')
      .set('Authorization', `Basic ${Buffer.from('alice:pw').toString('base64')}`)
      .set('Cookie', 'stockroom_session=tok')
      .set('X-XSRF-TOKEN', 'csrf-1');
    expect(res.body).toEqual({
      address: '127.0.0.1',
      credential: { kind: 'password', userName: 'alice', password: 'pw', via: 'basic' },
      csrfToken: 'csrf-1',
    });
    expect((await get('/x?KEY=k2')).body.credential).toEqual({ kind: 'key', key: 'k2', via: 'query' });
    expect((await get('/x').set('Cookie', 'stockroom_session=tok')).body.credential).toEqual({
      kind: 'session',
      token: 'tok',
    });
  });

  it('the address is the one a trusted proxy reports, without the IPv6 prefix of IPv4', async () => {
    const res = await get('/x').set('X-Forwarded-For', '203.0.113.7');
    expect(res.body.address).toBe('203.0.113.7');
  });
});
