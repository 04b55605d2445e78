import { Privilege } from '@stockroom/contracts';
import type { Express } from 'express';
import { join } from 'node:path';
import { ENDPOINT_OPERATIONS } from '../../src/modules/assets/endpoints.controller';
import { DAV_METHODS } from '../../src/modules/dav/dav.controller';
import { zipOf } from '../support/fixtures';
import { raw, RawResponse } from '../support/http';
import { ADMIN_PASSWORD, basicAuth, startTestApp, TestApp } from '../support/test-app';

/**
 * Every route of the app × every kind of caller (issue 3). The route list comes from the running
 * app's own router, so a route added without a matrix entry fails here. The expected answer is
 * derived from an independent model of spec §9 — which privileges each caller holds on the
 * directory under test — never from the server's own code.
 */

const { View, Download, Add, Overwrite, Delete, ShareAsset, ManageFeed, Administer } = Privilege;
const ALL = Object.values(Privilege);
const FEED = 'matrix';
const OTHER_FEED = 'elsewhere';
const PASSWORD = 'matrix-password-1';

type CallerId =
  | 'anonymous'
  | 'no rules'
  | 'View'
  | 'View & Download'
  | 'Publish'
  | 'Overwrite/Delete'
  | 'Manage Feed'
  | 'Administer'
  | 'feed key, this directory'
  | 'feed key, other directory'
  | 'expired key'
  | 'revoked key'
  | 'wrong password'
  | 'user deny beats group allow';

interface Caller {
  id: CallerId;
  /** Privileges on FEED (and on replicas of its rules), or 'invalid' for credentials that must fail. */
  onFeed: readonly Privilege[] | 'invalid';
  global: readonly Privilege[];
  kind: 'anonymous' | 'user' | 'key' | 'invalid';
  headers: Record<string, string>;
}

/** What a route demands, as spec §9 and the issue state it. */
type Need =
  | { kind: 'public' }
  | { kind: 'anyone' }
  | { kind: 'authenticated' }
  | { kind: 'global'; privilege: Privilege }
  | { kind: 'directory'; privileges: Privilege[] };

interface RequestSpec {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

interface Entry {
  /** Route as the router knows it, e.g. `GET /api/security/users/:name`, or `ALL /endpoints/*rest · content`. */
  route: string;
  what: string;
  need: Need;
  ok: number;
  /** Builds a fresh request for one caller (creating whatever it needs as Admin). */
  request: (n: number) => Promise<RequestSpec> | RequestSpec;
  /** Where the model's plain rule does not apply (e.g. API keys have no password to change). */
  expect?: (caller: Caller) => number | undefined;
  /**
   * An object addressed by a sequential id: a signed-in caller without the privilege is told it does not
   * exist (404, as for a missing id), never 403 and never the name of a directory it cannot view.
   */
  byId?: boolean;
}

describe('authorization matrix: every route × every kind of caller', () => {
  let t: TestApp;
  let callers: Caller[];
  let entries: Entry[];

  const admin = (method: string, path: string, body?: unknown) =>
    raw(t, method, path, {
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });

  async function must(res: Promise<RawResponse>, status: number): Promise<RawResponse> {
    const r = await res;
    if (r.status !== status) throw new Error(`setup: expected ${status}, got ${r.status} ${r.text}`);
    return r;
  }

  const grant = (principalType: string, principalName: string, role: string, feed: string | null, deny = false) =>
    must(admin('POST', '/api/security/privileges', { principalType, principalName, role, feed, deny }), 201);

  /** Gives every user caller the same rules on `feed` that they hold on FEED. */
  async function replicateRules(feed: string): Promise<void> {
    for (const [user, role] of USER_ROLES) await grant('user', user, role, feed);
    await grant('group', 'managers', 'Manage Feed', feed);
    await grant('user', 'denied', 'Manage Feed', feed, true);
  }

  const USER_ROLES: [string, string][] = [
    ['viewer', 'View only'],
    ['downloader', 'View & Download'],
    ['publisher', 'Publish'],
    ['overwriter', 'Overwrite/Delete'],
    ['manager', 'Manage Feed'],
  ];

  const upload = (path: string, body = 'existing') =>
    must(admin('POST', `/endpoints/${FEED}/content/${path}`, body), 201);

  /** A share link made by Admin; `path` a file (uploaded here unless it exists) or a folder that exists. */
  async function shareLink(path: string): Promise<{ id: number; url: string }> {
    if (path.endsWith('.txt')) await upload(path);
    const res = await must(admin('POST', '/api/shares', { feed: FEED, path, expiresInMinutes: 10 }), 201);
    return JSON.parse(res.text) as { id: number; url: string };
  }

  beforeAll(async () => {
    t = await startTestApp({
      // The wrong-password caller fails on every route; throttling is tested elsewhere.
      STOCKROOM_LOGIN_FAILURES_PER_USER: '100000',
      STOCKROOM_LOGIN_FAILURES_PER_ADDRESS: '100000',
    });
    for (const feed of [FEED, OTHER_FEED]) {
      await must(admin('POST', '/api/management/feeds/create', { name: feed, feedType: 'asset' }), 200);
    }
    // File history on (for the versions/ and restore/ routes).
    await must(admin('POST', `/api/management/feeds/update/${FEED}`, { fileHistory: { enabled: true, keep: 5 } }), 200);
    await must(admin('POST', '/api/security/roles', { name: 'View only', privileges: [View] }), 201);
    await must(
      admin('POST', '/api/security/roles', { name: 'Overwrite/Delete', privileges: [View, Overwrite, Delete] }),
      201,
    );
    for (const name of [...USER_ROLES.map(([u]) => u), 'nobody', 'administrator', 'denied']) {
      await must(admin('POST', '/api/security/users', { userName: name, password: PASSWORD }), 201);
    }
    await must(admin('POST', '/api/security/groups', { name: 'managers', members: ['denied'] }), 201);
    for (const [user, role] of USER_ROLES) await grant('user', user, role, FEED);
    await grant('user', 'administrator', 'Administer', null);
    await grant('group', 'managers', 'Manage Feed', FEED);
    await grant('user', 'denied', 'Manage Feed', FEED, true);
    // A storage move of the directory (to another disk folder), for the move routes.
    await must(admin('POST', `/endpoints/${FEED}/content/moved.txt`, 'moved'), 201);
    const moved = await must(
      admin('POST', `/api/storage?feed=${FEED}`, { id: 'disk', properties: { Path: join(t.config.dataDir, 'moved') } }),
      200,
    );
    const moveId = (JSON.parse(moved.text) as { move: { id: string } }).move.id;
    // Retention (the directory has no rules: runs delete nothing). A preview and a run to read.
    const newPreview = async () =>
      (JSON.parse((await must(admin('POST', `/api/retention/${FEED}/preview`), 200)).text) as { id: string }).id;
    const previewId = await newPreview();
    const runId = (
      JSON.parse((await must(admin('POST', `/api/retention/${FEED}/run?wait=true`), 200)).text) as { id: number }
    ).id;

    // Replication (issue 20): jobs of this directory towards another directory of this same server.
    const replicationJob = async () =>
      (
        JSON.parse(
          (
            await must(
              admin('POST', '/api/replication', {
                feed: FEED,
                remoteUrl: t.url,
                remoteFeed: OTHER_FEED,
                mode: 'push',
              }),
              201,
            )
          ).text,
        ) as { id: string }
      ).id;
    const replicationId = await replicationJob();
    const replicationRunId = (
      JSON.parse((await must(admin('POST', `/api/replication/${replicationId}/run?wait=true`), 200)).text) as {
        id: string;
      }
    ).id;

    const key = async (body: Record<string, unknown>) =>
      JSON.parse((await must(admin('POST', '/api/api-keys/create', body), 200)).text) as { id: number; key: string };
    const feedKey = await key({ type: 'Feed', feed: FEED, packagePermissions: ['view', 'add', 'delete'] });
    const otherKey = await key({ type: 'Feed', feed: OTHER_FEED, packagePermissions: ['view', 'add', 'delete'] });
    const expired = await key({ type: 'System', expiration: new Date(Date.now() - 60_000).toISOString() });
    const revoked = await key({ type: 'System' });
    await must(admin('POST', `/api/api-keys/delete?id=${revoked.id}`), 200);

    const user = (name: string) => ({ Authorization: basicAuth(name, PASSWORD) });
    callers = [
      { id: 'anonymous', onFeed: [], global: [], kind: 'anonymous', headers: {} },
      { id: 'no rules', onFeed: [], global: [], kind: 'user', headers: user('nobody') },
      { id: 'View', onFeed: [View], global: [], kind: 'user', headers: user('viewer') },
      { id: 'View & Download', onFeed: [View, Download], global: [], kind: 'user', headers: user('downloader') },
      { id: 'Publish', onFeed: [View, Download, Add], global: [], kind: 'user', headers: user('publisher') },
      {
        id: 'Overwrite/Delete',
        onFeed: [View, Overwrite, Delete],
        global: [],
        kind: 'user',
        headers: user('overwriter'),
      },
      {
        id: 'Manage Feed',
        onFeed: [View, Download, Add, Overwrite, Delete, ShareAsset, ManageFeed],
        global: [],
        kind: 'user',
        headers: user('manager'),
      },
      { id: 'Administer', onFeed: ALL, global: ALL, kind: 'user', headers: user('administrator') },
      {
        id: 'feed key, this directory',
        onFeed: [View, Download, Add, Overwrite, Delete],
        global: [],
        kind: 'key',
        headers: { 'X-ApiKey': feedKey.key },
      },
      { id: 'feed key, other directory', onFeed: [], global: [], kind: 'key', headers: { 'X-ApiKey': otherKey.key } },
      { id: 'expired key', onFeed: 'invalid', global: [], kind: 'invalid', headers: { 'X-ApiKey': expired.key } },
      { id: 'revoked key', onFeed: 'invalid', global: [], kind: 'invalid', headers: { 'X-ApiKey': revoked.key } },
      {
        id: 'wrong password',
        onFeed: 'invalid',
        global: [],
        kind: 'invalid',
        headers: { Authorization: basicAuth('administrator', 'not-the-password') },
      },
      { id: 'user deny beats group allow', onFeed: [], global: [], kind: 'user', headers: user('denied') },
    ];

    const ep = (op: string, rest = '') => `/endpoints/${FEED}/${op}/${rest}`;
    const dav = (rest: string) => `/dav/${FEED}/${rest}`;
    const dir = (...privileges: Privilege[]): Need => ({ kind: 'directory', privileges });
    const zip = await zipOf({ 'imported.txt': 'from an archive' });

    // Webhooks (issue 20): made by Admin, inactive unless a delivery is needed; public addresses
    // (a manager may save those), the delivering one at a closed local port.
    const hookBody = (n: number | string, active = false) => ({
      url: `http://93.184.215.14/hook-${n}`,
      events: ['file.created'],
      feed: FEED,
      secret: 'matrix-webhook-secret',
      active,
    });
    const webhook = async (n: number | string, active = false) =>
      (JSON.parse((await must(admin('POST', '/api/webhooks', hookBody(n, active)), 201)).text) as { id: string }).id;
    const hookId = await webhook('kept');
    const deliveringHook = (
      JSON.parse(
        (
          await must(
            admin('POST', '/api/webhooks', { ...hookBody('delivering', true), url: 'http://127.0.0.1:9/closed' }),
            201,
          )
        ).text,
      ) as { id: string }
    ).id;
    await must(admin('POST', `/api/webhooks/${deliveringHook}/test`), 202);
    let deliveryId = '';
    for (let tries = 0; !deliveryId && tries < 200; tries++) {
      const list = JSON.parse((await must(admin('GET', `/api/webhooks/${deliveringHook}/deliveries`), 200)).text);
      deliveryId = (list as { id: string }[])[0]?.id ?? '';
      if (!deliveryId) await new Promise((r) => setTimeout(r, 50));
    }

    entries = [
      // ---- the asset API (spec §2, privileges per §9)
      {
        route: 'ALL /endpoints/*rest · content',
        what: 'GET a file',
        need: dir(Download),
        ok: 200,
        request: async (n) => (await upload(`get-${n}.txt`), { method: 'GET', path: ep('content', `get-${n}.txt`) }),
      },
      {
        route: 'ALL /endpoints/*rest · content',
        what: 'HEAD a file',
        need: dir(View),
        ok: 200,
        request: async (n) => (await upload(`head-${n}.txt`), { method: 'HEAD', path: ep('content', `head-${n}.txt`) }),
      },
      {
        route: 'ALL /endpoints/*rest · content',
        what: 'POST a new file',
        need: dir(Add),
        ok: 201,
        request: (n) => ({ method: 'POST', path: ep('content', `new-${n}.txt`), body: 'new' }),
      },
      {
        route: 'ALL /endpoints/*rest · content',
        what: 'PUT a new file',
        need: dir(Add),
        ok: 201,
        request: (n) => ({ method: 'PUT', path: ep('content', `put-${n}.txt`), body: 'new' }),
      },
      {
        route: 'ALL /endpoints/*rest · content',
        what: 'POST onto an existing file',
        need: dir(Overwrite),
        ok: 201,
        request: async (n) => (
          await upload(`over-${n}.txt`),
          { method: 'POST', path: ep('content', `over-${n}.txt`), body: 'v2' }
        ),
      },
      {
        route: 'ALL /endpoints/*rest · content',
        what: 'PATCH an existing file',
        need: dir(Overwrite),
        ok: 201,
        request: async (n) => (
          await upload(`patch-${n}.txt`),
          { method: 'PATCH', path: ep('content', `patch-${n}.txt`), body: 'v2' }
        ),
      },
      {
        route: 'ALL /endpoints/*rest · content',
        what: 'DELETE a file',
        need: dir(Delete),
        ok: 200,
        request: async (n) => (await upload(`del-${n}.txt`), { method: 'DELETE', path: ep('content', `del-${n}.txt`) }),
      },
      {
        route: 'ALL /endpoints/*rest · content',
        what: 'multipart part',
        need: dir(Add),
        ok: 200,
        request: (n) => ({
          method: 'POST',
          body: 'abc',
          path: ep(
            'content',
            `mp-${n}.bin?multipart=upload&id=mp${n}&index=0&offset=0&totalSize=3&partSize=3&totalParts=1`,
          ),
        }),
      },
      {
        route: 'ALL /endpoints/*rest · content',
        what: 'multipart complete',
        need: dir(Add),
        ok: 200,
        request: async (n) => {
          await must(
            admin(
              'POST',
              ep(
                'content',
                `mpc-${n}.bin?multipart=upload&id=mpc${n}&index=0&offset=0&totalSize=3&partSize=3&totalParts=1`,
              ),
              'abc',
            ),
            200,
          );
          return { method: 'POST', path: ep('content', `mpc-${n}.bin?multipart=complete&id=mpc${n}`) };
        },
      },
      {
        route: 'ALL /endpoints/*rest · content',
        what: 'multipart status',
        need: dir(Add),
        ok: 200,
        request: async (n) => {
          await must(
            admin(
              'POST',
              ep(
                'content',
                `mps-${n}.bin?multipart=upload&id=mps${n}&index=0&offset=0&totalSize=6&partSize=3&totalParts=2`,
              ),
              'abc',
            ),
            200,
          );
          return { method: 'GET', path: ep('content', `mps-${n}.bin?multipart=status&id=mps${n}`) };
        },
      },
      {
        route: 'ALL /endpoints/*rest · content',
        what: 'multipart abort [ext]',
        need: dir(Add),
        ok: 200,
        request: async (n) => {
          await must(
            admin(
              'POST',
              ep(
                'content',
                `mpa-${n}.bin?multipart=upload&id=mpa${n}&index=0&offset=0&totalSize=6&partSize=3&totalParts=2`,
              ),
              'abc',
            ),
            200,
          );
          return { method: 'POST', path: ep('content', `mpa-${n}.bin?multipart=abort&id=mpa${n}`) };
        },
      },
      {
        route: 'ALL /endpoints/*rest · dir',
        what: 'list a folder',
        need: dir(View),
        ok: 200,
        request: () => ({ method: 'GET', path: ep('dir') }),
      },
      {
        route: 'ALL /endpoints/*rest · dir',
        what: 'create a folder',
        need: dir(Add),
        ok: 201,
        request: (n) => ({ method: 'POST', path: ep('dir', `folder-${n}`) }),
      },
      {
        route: 'ALL /endpoints/*rest · delete',
        what: 'POST delete a file',
        need: dir(Delete),
        ok: 200,
        request: async (n) => (
          await upload(`pdel-${n}.txt`),
          { method: 'POST', path: ep('delete', `pdel-${n}.txt?recursive=false`) }
        ),
      },
      {
        route: 'ALL /endpoints/*rest · metadata',
        what: 'read metadata',
        need: dir(View),
        ok: 200,
        request: async (n) => (await upload(`meta-${n}.txt`), { method: 'GET', path: ep('metadata', `meta-${n}.txt`) }),
      },
      {
        route: 'ALL /endpoints/*rest · metadata',
        what: 'update metadata',
        need: dir(Add),
        ok: 200,
        request: async (n) => (
          await upload(`umeta-${n}.txt`),
          {
            method: 'POST',
            path: ep('metadata', `umeta-${n}.txt`),
            body: JSON.stringify({ type: 'text/markdown' }),
          }
        ),
      },
      {
        route: 'ALL /endpoints/*rest · export',
        what: 'export a folder',
        need: dir(Download),
        ok: 200,
        request: () => ({ method: 'GET', path: ep('export', '?format=zip') }),
      },
      {
        route: 'ALL /endpoints/*rest · import',
        what: 'import into a new folder',
        need: dir(Add),
        ok: 200,
        request: (n) => ({ method: 'POST', path: ep('import', `imp-${n}?format=zip`), body: zip }),
      },
      {
        route: 'ALL /endpoints/*rest · import',
        what: 'import replacing a file',
        need: dir(Add, Overwrite),
        ok: 200,
        request: async (n) => {
          await upload(`impo-${n}/imported.txt`);
          return { method: 'POST', path: ep('import', `impo-${n}?format=zip&overwrite=true`), body: zip };
        },
      },
      {
        route: 'ALL /endpoints/*rest · move',
        what: 'move (rename) a file [ext]',
        need: dir(Delete, Add),
        ok: 201,
        request: async (n) => (
          await upload(`mv-${n}.txt`),
          { method: 'POST', path: ep('move', `mv-${n}.txt`), body: JSON.stringify({ to: `moved-${n}/mv.txt` }) }
        ),
      },
      {
        route: 'ALL /endpoints/*rest · move',
        what: 'move onto a file, replacing it [ext]',
        need: dir(Delete, Add, Overwrite),
        ok: 200,
        request: async (n) => {
          await upload(`mvo-${n}.txt`);
          await upload(`mvo-${n}-target.txt`);
          const body = JSON.stringify({ to: `mvo-${n}-target.txt`, overwrite: true });
          return { method: 'POST', path: ep('move', `mvo-${n}.txt`), body };
        },
      },
      {
        route: 'ALL /endpoints/*rest · copy',
        what: 'copy a file [ext]',
        need: dir(Download, Add),
        ok: 201,
        request: async (n) => (
          await upload(`cp-${n}.txt`),
          { method: 'POST', path: ep('copy', `cp-${n}.txt`), body: JSON.stringify({ to: `copies-${n}/cp.txt` }) }
        ),
      },
      {
        route: 'ALL /endpoints/*rest · copy',
        what: 'copy onto a file, replacing it [ext]',
        need: dir(Download, Add, Overwrite),
        ok: 200,
        request: async (n) => {
          await upload(`cpo-${n}.txt`);
          await upload(`cpo-${n}-target.txt`);
          const body = JSON.stringify({ to: `cpo-${n}-target.txt`, overwrite: true });
          return { method: 'POST', path: ep('copy', `cpo-${n}.txt`), body };
        },
      },
      {
        route: 'ALL /endpoints/*rest · versions',
        what: "list a file's versions [ext]",
        need: dir(View),
        ok: 200,
        request: async (n) => (
          await upload(`ver-${n}.txt`),
          await upload(`ver-${n}.txt`, 'v2'),
          { method: 'GET', path: ep('versions', `ver-${n}.txt`) }
        ),
      },
      {
        route: 'ALL /endpoints/*rest · versions',
        what: 'list the deleted files of a folder [ext]',
        need: dir(View),
        ok: 200,
        request: () => ({ method: 'GET', path: ep('versions', '?deleted=true') }),
      },
      {
        route: 'ALL /endpoints/*rest · content',
        what: 'download an old version [ext]',
        need: dir(Download),
        ok: 200,
        request: async (n) => (
          await upload(`dver-${n}.txt`),
          await upload(`dver-${n}.txt`, 'v2'),
          { method: 'GET', path: ep('content', `dver-${n}.txt?version=1`) }
        ),
      },
      {
        route: 'ALL /endpoints/*rest · restore',
        what: 'restore a version over the current file [ext]',
        need: dir(Overwrite),
        ok: 200,
        request: async (n) => (
          await upload(`rver-${n}.txt`),
          await upload(`rver-${n}.txt`, 'v2'),
          { method: 'POST', path: ep('restore', `rver-${n}.txt?version=1`) }
        ),
      },
      {
        route: 'ALL /endpoints/*rest · restore',
        what: 'restore a deleted file [ext]',
        need: dir(Overwrite, Add),
        ok: 200,
        request: async (n) => {
          await upload(`rdel-${n}.txt`);
          await must(admin('DELETE', ep('content', `rdel-${n}.txt`)), 200);
          return { method: 'POST', path: ep('restore', `rdel-${n}.txt?version=1`) };
        },
      },
      {
        route: 'POST /api/signed-urls',
        what: 'sign a download URL [ext]',
        need: dir(Download),
        ok: 200,
        request: async (n) => (
          await upload(`sign-${n}.txt`),
          { method: 'POST', path: '/api/signed-urls', body: JSON.stringify({ feed: FEED, path: `sign-${n}.txt` }) }
        ),
      },

      // ---- share links (issue 18) [ext]
      {
        route: 'POST /api/shares',
        what: 'create a share link [ext]',
        need: dir(Download, ShareAsset),
        ok: 201,
        request: async (n) => (
          await upload(`share-${n}.txt`),
          {
            method: 'POST',
            path: '/api/shares',
            body: JSON.stringify({ feed: FEED, path: `share-${n}.txt`, expiresInMinutes: 10 }),
          }
        ),
      },
      {
        route: 'GET /api/shares',
        what: "a directory's share links (one's own; all with Manage Feed) [ext]",
        need: dir(View),
        ok: 200,
        request: () => ({ method: 'GET', path: `/api/shares?feed=${FEED}` }),
      },
      {
        route: 'DELETE /api/shares/:id',
        what: "revoke someone else's share link (the creator may too) [ext]",
        byId: true,
        need: dir(ManageFeed),
        ok: 204,
        request: async (n) => ({ method: 'DELETE', path: `/api/shares/${(await shareLink(`revoke-${n}.txt`)).id}` }),
      },
      // ---- webhooks (issue 20) [ext]
      {
        route: 'POST /api/webhooks',
        what: "create a directory's webhook to a public address [ext]",
        need: dir(ManageFeed),
        ok: 201,
        request: (n) => ({ method: 'POST', path: '/api/webhooks', body: JSON.stringify(hookBody(n)) }),
      },
      {
        route: 'GET /api/webhooks',
        what: 'the webhooks the caller may manage [ext]',
        need: { kind: 'authenticated' },
        ok: 200,
        request: () => ({ method: 'GET', path: '/api/webhooks' }),
      },
      {
        route: 'GET /api/webhooks/:id',
        what: "a directory's webhook [ext]",
        byId: true,
        need: dir(ManageFeed),
        ok: 200,
        request: () => ({ method: 'GET', path: `/api/webhooks/${hookId}` }),
      },
      {
        route: 'PATCH /api/webhooks/:id',
        what: "change a directory's webhook [ext]",
        byId: true,
        need: dir(ManageFeed),
        ok: 200,
        request: () => ({
          method: 'PATCH',
          path: `/api/webhooks/${hookId}`,
          body: JSON.stringify({ events: ['file.created', 'file.deleted'] }),
        }),
      },
      {
        route: 'DELETE /api/webhooks/:id',
        what: "delete a directory's webhook [ext]",
        byId: true,
        need: dir(ManageFeed),
        ok: 204,
        request: async (n) => ({ method: 'DELETE', path: `/api/webhooks/${await webhook(`delete-${n}`)}` }),
      },
      {
        route: 'GET /api/webhooks/:id/deliveries',
        what: "a webhook's deliveries [ext]",
        byId: true,
        need: dir(ManageFeed),
        ok: 200,
        request: () => ({ method: 'GET', path: `/api/webhooks/${deliveringHook}/deliveries` }),
      },
      {
        route: 'GET /api/webhooks/:id/deliveries/:deliveryId',
        what: 'a delivery with its body and attempts [ext]',
        byId: true,
        need: dir(ManageFeed),
        ok: 200,
        request: () => ({ method: 'GET', path: `/api/webhooks/${deliveringHook}/deliveries/${deliveryId}` }),
      },
      {
        route: 'POST /api/webhooks/:id/deliveries/:deliveryId/redeliver',
        what: 'send a delivery again [ext]',
        byId: true,
        need: dir(ManageFeed),
        ok: 202,
        request: () => ({
          method: 'POST',
          path: `/api/webhooks/${deliveringHook}/deliveries/${deliveryId}/redeliver`,
        }),
      },
      {
        route: 'POST /api/webhooks/:id/test',
        what: 'send a test event [ext]',
        byId: true,
        need: dir(ManageFeed),
        ok: 202,
        request: () => ({ method: 'POST', path: `/api/webhooks/${hookId}/test` }),
      },
      {
        route: 'GET /s/:token',
        what: 'GET a shared file: the token is the credential, any other is ignored [ext]',
        need: { kind: 'public' },
        ok: 200,
        request: async (n) => ({ method: 'GET', path: new URL((await shareLink(`s-get-${n}.txt`)).url).pathname }),
      },
      {
        route: 'GET /s/:token',
        what: 'HEAD a shared file [ext]',
        need: { kind: 'public' },
        ok: 200,
        request: async (n) => ({ method: 'HEAD', path: new URL((await shareLink(`s-head-${n}.txt`)).url).pathname }),
      },
      {
        route: 'GET /s/:token/*rest',
        what: 'GET a file in a shared folder [ext]',
        need: { kind: 'public' },
        ok: 200,
        request: async (n) => {
          await upload(`s-folder-${n}/inside.txt`);
          return { method: 'GET', path: `${new URL((await shareLink(`s-folder-${n}`)).url).pathname}/inside.txt` };
        },
      },
      {
        route: 'GET /s/:token/*rest',
        what: 'HEAD a shared folder index [ext]',
        need: { kind: 'public' },
        ok: 200,
        request: async (n) => {
          await upload(`s-index-${n}/inside.txt`);
          return { method: 'HEAD', path: `${new URL((await shareLink(`s-index-${n}`)).url).pathname}/` };
        },
      },

      // ---- feeds (spec §7)
      {
        route: 'GET /api/management/feeds/list',
        what: 'list directories',
        need: { kind: 'anyone' },
        ok: 200,
        request: () => ({ method: 'GET', path: '/api/management/feeds/list' }),
      },
      {
        route: 'GET /api/management/feeds/get/:name',
        what: 'get a directory',
        need: dir(View),
        ok: 200,
        request: () => ({ method: 'GET', path: `/api/management/feeds/get/${FEED}` }),
      },
      {
        route: 'POST /api/management/feeds/create',
        what: 'create a directory',
        need: { kind: 'global', privilege: Administer },
        ok: 200,
        request: (n) => ({
          method: 'POST',
          path: '/api/management/feeds/create',
          body: JSON.stringify({ name: `created-${n}`, feedType: 'asset' }),
        }),
      },
      {
        route: 'POST /api/management/feeds/update/:name',
        what: 'update a directory',
        need: dir(ManageFeed),
        ok: 200,
        request: (n) => ({
          method: 'POST',
          path: `/api/management/feeds/update/${FEED}`,
          body: JSON.stringify({ description: `v${n}` }),
        }),
      },
      {
        route: 'DELETE /api/management/feeds/delete/:name',
        what: 'delete a directory',
        need: dir(ManageFeed),
        ok: 200,
        request: async (n) => {
          // A copy of the directory with the same rules: the one under test must survive.
          await must(admin('POST', '/api/management/feeds/create', { name: `doomed-${n}`, feedType: 'asset' }), 200);
          await replicateRules(`doomed-${n}`);
          return { method: 'DELETE', path: `/api/management/feeds/delete/doomed-${n}` };
        },
        // The feed key is bound to FEED itself, not to the copy.
        expect: (c) => (c.id === 'feed key, this directory' ? 404 : undefined),
      },

      // ---- session
      {
        route: 'POST /api/security/login',
        what: 'sign in',
        need: { kind: 'public' },
        ok: 200,
        request: () => ({
          method: 'POST',
          path: '/api/security/login',
          body: JSON.stringify({ userName: 'Admin', password: ADMIN_PASSWORD }),
        }),
      },
      {
        route: 'POST /api/security/logout',
        what: 'sign out',
        need: { kind: 'anyone' },
        ok: 200,
        request: () => ({ method: 'POST', path: '/api/security/logout' }),
      },
      // OpenID Connect is not configured here (oidc.e2e-spec.ts signs in through a provider): 404 for all.
      {
        route: 'GET /api/security/oidc/login',
        what: 'start an OpenID Connect sign-in (not configured)',
        need: { kind: 'public' },
        ok: 404,
        request: () => ({ method: 'GET', path: '/api/security/oidc/login?returnTo=/' }),
      },
      {
        route: 'GET /api/security/oidc/callback',
        what: 'finish an OpenID Connect sign-in (not configured)',
        need: { kind: 'public' },
        ok: 404,
        request: () => ({ method: 'GET', path: '/api/security/oidc/callback?code=x&state=y' }),
      },
      {
        route: 'GET /api/security/me',
        what: 'who am I',
        need: { kind: 'anyone' },
        ok: 200,
        request: () => ({ method: 'GET', path: '/api/security/me' }),
      },
      {
        route: 'GET /api/security/sso',
        what: 'single sign-on settings (no secrets) [ext]',
        need: { kind: 'public' },
        ok: 200,
        request: () => ({ method: 'GET', path: '/api/security/sso' }),
      },
      {
        route: 'POST /api/security/ldap/test',
        what: 'test an LDAP sign-in (not configured here: ok false) [ext]',
        need: { kind: 'global', privilege: Administer },
        ok: 200,
        request: () => ({
          method: 'POST',
          path: '/api/security/ldap/test',
          body: JSON.stringify({ userName: 'someone', password: 'whatever-123' }),
        }),
      },
      {
        route: 'POST /api/security/me/password',
        what: 'change my password (wrong current one)',
        need: { kind: 'authenticated' },
        ok: 403,
        request: () => ({
          method: 'POST',
          path: '/api/security/me/password',
          body: JSON.stringify({ currentPassword: 'wrong-current', newPassword: 'whatever-123' }),
        }),
        // Keys have no password to change.
        expect: (c) => (c.kind === 'key' ? 400 : undefined),
      },

      // ---- users and groups: Administer
      ...adminOnly('GET /api/security/users', 'list users', 200, () => ({
        method: 'GET',
        path: '/api/security/users',
      })),
      ...adminOnly('POST /api/security/users', 'create a user', 201, (n) => ({
        method: 'POST',
        path: '/api/security/users',
        body: JSON.stringify({ userName: `made-${n}`, password: PASSWORD }),
      })),
      ...adminOnly('GET /api/security/users/:name', 'get a user', 200, () => ({
        method: 'GET',
        path: '/api/security/users/nobody',
      })),
      ...adminOnly('PATCH /api/security/users/:name', 'update a user', 200, async (n) => {
        await must(admin('POST', '/api/security/users', { userName: `patched-${n}`, password: PASSWORD }), 201);
        return {
          method: 'PATCH',
          path: `/api/security/users/patched-${n}`,
          body: JSON.stringify({ displayName: 'P' }),
        };
      }),
      ...adminOnly('DELETE /api/security/users/:name', 'delete a user', 204, async (n) => {
        await must(admin('POST', '/api/security/users', { userName: `gone-${n}`, password: PASSWORD }), 201);
        return { method: 'DELETE', path: `/api/security/users/gone-${n}` };
      }),
      ...adminOnly('GET /api/security/groups', 'list groups', 200, () => ({
        method: 'GET',
        path: '/api/security/groups',
      })),
      ...adminOnly('POST /api/security/groups', 'create a group', 201, (n) => ({
        method: 'POST',
        path: '/api/security/groups',
        body: JSON.stringify({ name: `group-${n}` }),
      })),
      ...adminOnly('GET /api/security/groups/:name', 'get a group', 200, () => ({
        method: 'GET',
        path: '/api/security/groups/managers',
      })),
      ...adminOnly('PATCH /api/security/groups/:name', 'update a group', 200, async (n) => {
        await must(admin('POST', '/api/security/groups', { name: `pg-${n}` }), 201);
        return { method: 'PATCH', path: `/api/security/groups/pg-${n}`, body: JSON.stringify({ description: 'd' }) };
      }),
      ...adminOnly('DELETE /api/security/groups/:name', 'delete a group', 204, async (n) => {
        await must(admin('POST', '/api/security/groups', { name: `dg-${n}` }), 201);
        return { method: 'DELETE', path: `/api/security/groups/dg-${n}` };
      }),

      // ---- roles and rules
      {
        route: 'GET /api/security/roles',
        what: 'list roles',
        need: { kind: 'authenticated' },
        ok: 200,
        request: () => ({ method: 'GET', path: '/api/security/roles' }),
      },
      ...adminOnly('POST /api/security/roles', 'create a role', 201, (n) => ({
        method: 'POST',
        path: '/api/security/roles',
        body: JSON.stringify({ name: `role-${n}`, privileges: [View] }),
      })),
      ...adminOnly('PATCH /api/security/roles/:name', 'update a role', 200, async (n) => {
        await must(admin('POST', '/api/security/roles', { name: `pr-${n}`, privileges: [View] }), 201);
        return {
          method: 'PATCH',
          path: `/api/security/roles/pr-${n}`,
          body: JSON.stringify({ privileges: [View, Download] }),
        };
      }),
      ...adminOnly('DELETE /api/security/roles/:name', 'delete a role', 204, async (n) => {
        await must(admin('POST', '/api/security/roles', { name: `dr-${n}`, privileges: [View] }), 201);
        return { method: 'DELETE', path: `/api/security/roles/dr-${n}` };
      }),
      {
        route: 'GET /api/security/privileges',
        what: "a directory's rules",
        need: dir(ManageFeed),
        ok: 200,
        request: () => ({ method: 'GET', path: `/api/security/privileges?feed=${FEED}` }),
      },
      ...adminOnly('GET /api/security/privileges', 'every rule', 200, () => ({
        method: 'GET',
        path: '/api/security/privileges',
      })),
      {
        route: 'POST /api/security/privileges',
        what: 'grant on a directory',
        need: dir(ManageFeed),
        ok: 201,
        request: async (n) => {
          await must(admin('POST', '/api/security/users', { userName: `grantee-${n}`, password: PASSWORD }), 201);
          return {
            method: 'POST',
            path: '/api/security/privileges',
            body: JSON.stringify({
              principalType: 'user',
              principalName: `grantee-${n}`,
              role: 'View & Download',
              feed: FEED,
            }),
          };
        },
      },
      ...adminOnly('POST /api/security/privileges', 'grant globally', 201, async (n) => {
        await must(admin('POST', '/api/security/users', { userName: `global-${n}`, password: PASSWORD }), 201);
        return {
          method: 'POST',
          path: '/api/security/privileges',
          body: JSON.stringify({
            principalType: 'user',
            principalName: `global-${n}`,
            role: 'View & Download',
            feed: null,
          }),
        };
      }),
      {
        route: 'DELETE /api/security/privileges/:id',
        what: 'revoke a directory rule',
        byId: true,
        need: dir(ManageFeed),
        ok: 204,
        request: async (n) => {
          await must(admin('POST', '/api/security/users', { userName: `revokee-${n}`, password: PASSWORD }), 201);
          const rule = JSON.parse((await grant('user', `revokee-${n}`, 'View & Download', FEED)).text) as {
            id: number;
          };
          return { method: 'DELETE', path: `/api/security/privileges/${rule.id}` };
        },
      },

      // ---- API keys: a feed key for FEED needs Manage there
      ...['POST /api/api-keys/create', 'POST /api/security/api-keys'].map(
        (route): Entry => ({
          route,
          what: 'create a feed key',
          need: dir(ManageFeed),
          ok: route.includes('create') ? 200 : 201,
          request: () => ({
            method: 'POST',
            path: route.slice(5),
            body: JSON.stringify({ type: 'Feed', feed: FEED, packagePermissions: ['view'] }),
          }),
        }),
      ),
      ...['GET /api/api-keys/list', 'GET /api/security/api-keys'].map(
        (route): Entry => ({
          route,
          what: 'list keys',
          need: { kind: 'authenticated' },
          ok: 200,
          request: () => ({ method: 'GET', path: route.slice(4) }),
        }),
      ),
      ...['POST /api/api-keys/delete', 'DELETE /api/security/api-keys/:id'].map(
        (route): Entry => ({
          route,
          what: 'revoke a feed key',
          byId: true,
          need: dir(ManageFeed),
          ok: route.startsWith('POST') ? 200 : 204,
          request: async () => {
            const { id } = await key({ type: 'Feed', feed: FEED, packagePermissions: ['view'] });
            return route.startsWith('POST')
              ? { method: 'POST', path: `/api/api-keys/delete?id=${id}` }
              : { method: 'DELETE', path: `/api/security/api-keys/${id}` };
          },
        }),
      ),

      // ---- storage (spec §7)
      ...adminOnly('GET /api/storage', 'list storage types', 200, () => ({ method: 'GET', path: '/api/storage' })),
      {
        route: 'GET /api/storage',
        what: "a directory's storage",
        need: dir(ManageFeed),
        ok: 200,
        request: () => ({ method: 'GET', path: `/api/storage?feed=${FEED}` }),
      },
      {
        route: 'POST /api/storage',
        what: "change an empty directory's storage",
        need: dir(ManageFeed),
        ok: 200,
        request: async (n) => {
          await must(admin('POST', '/api/management/feeds/create', { name: `stored-${n}`, feedType: 'asset' }), 200);
          await replicateRules(`stored-${n}`);
          return {
            method: 'POST',
            path: `/api/storage?feed=stored-${n}`,
            body: JSON.stringify({ id: 's3', properties: { BucketName: 'b', AccessKey: 'k', SecretAccessKey: 's' } }),
          };
        },
        expect: (c) => (c.id === 'feed key, this directory' ? 404 : undefined),
      },
      {
        route: 'POST /api/storage',
        what: "aim an empty directory's storage at an address of the caller's choosing (issue 13)",
        need: dir(ManageFeed, Administer),
        ok: 200,
        request: async (n) => {
          await must(admin('POST', '/api/management/feeds/create', { name: `aimed-${n}`, feedType: 'asset' }), 200);
          await replicateRules(`aimed-${n}`);
          return {
            method: 'POST',
            path: `/api/storage?feed=aimed-${n}`,
            body: JSON.stringify({
              id: 's3',
              properties: {
                BucketName: 'b',
                CustomServiceUrl: 'http://127.0.0.1:1',
                AccessKey: 'k',
                SecretAccessKey: 's',
              },
            }),
          };
        },
        expect: (c) => (c.id === 'feed key, this directory' ? 404 : undefined),
      },
      {
        route: 'GET /api/storage/moves',
        what: "a directory's storage moves",
        need: dir(ManageFeed),
        ok: 200,
        request: () => ({ method: 'GET', path: `/api/storage/moves?feed=${FEED}` }),
      },
      {
        route: 'GET /api/storage/moves/:id',
        what: 'a storage move',
        byId: true,
        need: dir(ManageFeed),
        ok: 200,
        request: () => ({ method: 'GET', path: `/api/storage/moves/${moveId}` }),
      },
      {
        route: 'POST /api/storage/moves/:id/retry',
        what: 'retry a storage move (only a failed one: 409)',
        byId: true,
        need: dir(ManageFeed),
        ok: 409,
        request: () => ({ method: 'POST', path: `/api/storage/moves/${moveId}/retry` }),
      },
      // ---- connectors (issue 20)
      {
        route: 'GET /api/connectors/:feed/status',
        what: "a directory's connector status",
        need: dir(ManageFeed),
        ok: 200,
        request: () => ({ method: 'GET', path: `/api/connectors/${FEED}/status` }),
      },
      {
        route: 'POST /api/storage/test',
        what: "test a directory's storage",
        need: dir(ManageFeed),
        ok: 200,
        request: () => ({ method: 'POST', path: `/api/storage/test?feed=${FEED}`, body: '{}' }),
      },
      {
        route: 'POST /api/storage/test',
        what: "test a storage at an address of the caller's choosing, or with the server's credentials (issue 13)",
        need: dir(ManageFeed, Administer),
        ok: 200,
        request: () => ({
          method: 'POST',
          path: `/api/storage/test?feed=${FEED}`,
          body: JSON.stringify({ id: 's3', properties: { BucketName: 'b', CustomServiceUrl: 'http://127.0.0.1:1' } }),
        }),
      },

      // ---- retention
      {
        route: 'POST /api/retention/:directory/preview',
        what: "preview a directory's retention",
        need: dir(ManageFeed),
        ok: 200,
        request: () => ({ method: 'POST', path: `/api/retention/${FEED}/preview` }),
      },
      {
        route: 'POST /api/retention/:directory/apply',
        what: 'apply a retention preview',
        need: dir(ManageFeed),
        ok: 200,
        request: async () => ({
          method: 'POST',
          path: `/api/retention/${FEED}/apply?wait=true`,
          body: JSON.stringify({ previewId: await newPreview() }),
        }),
      },
      {
        route: 'POST /api/retention/:directory/run',
        what: "run a directory's retention now",
        need: dir(ManageFeed),
        ok: 200,
        request: () => ({ method: 'POST', path: `/api/retention/${FEED}/run?wait=true` }),
      },
      {
        route: 'GET /api/retention/:directory/runs',
        what: "a directory's retention history",
        need: dir(View),
        ok: 200,
        request: () => ({ method: 'GET', path: `/api/retention/${FEED}/runs` }),
      },
      {
        route: 'GET /api/retention/runs/:id',
        what: 'a retention run with its per-file log',
        byId: true,
        need: dir(View),
        ok: 200,
        request: () => ({ method: 'GET', path: `/api/retention/runs/${runId}` }),
      },
      {
        route: 'GET /api/retention/previews/:id',
        what: 'a retention preview',
        byId: true,
        need: dir(ManageFeed),
        ok: 200,
        request: () => ({ method: 'GET', path: `/api/retention/previews/${previewId}` }),
      },
      {
        route: 'GET /api/retention/runs',
        what: 'retention runs of the directories the caller may view',
        need: { kind: 'authenticated' },
        ok: 200,
        request: () => ({ method: 'GET', path: '/api/retention/runs' }),
      },
      {
        route: 'GET /api/retention/settings',
        what: 'retention settings',
        need: { kind: 'authenticated' },
        ok: 200,
        request: () => ({ method: 'GET', path: '/api/retention/settings' }),
      },
      ...adminOnly('POST /api/retention/settings', 'change retention settings', 200, () => ({
        method: 'POST',
        path: '/api/retention/settings',
        body: JSON.stringify({ historyDays: 90 }),
      })),

      // ---- replication [ext] (Administer)
      {
        route: 'GET /api/replication/identity',
        what: "this installation's identity (self-replication check)",
        need: { kind: 'public' },
        ok: 200,
        request: () => ({ method: 'GET', path: '/api/replication/identity' }),
      },
      ...adminOnly('POST /api/replication', 'create a replication job', 201, () => ({
        method: 'POST',
        path: '/api/replication',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ feed: FEED, remoteUrl: t.url, remoteFeed: OTHER_FEED, mode: 'pull' }),
      })),
      ...adminOnly('GET /api/replication', 'list replication jobs', 200, () => ({
        method: 'GET',
        path: '/api/replication',
      })),
      ...adminOnly('GET /api/replication/:id', 'a replication job', 200, () => ({
        method: 'GET',
        path: `/api/replication/${replicationId}`,
      })),
      ...adminOnly('DELETE /api/replication/:id', 'delete a replication job', 204, async () => ({
        method: 'DELETE',
        path: `/api/replication/${await replicationJob()}`,
      })),
      ...adminOnly('POST /api/replication/:id/run', 'run a replication job now', 200, async () => ({
        method: 'POST',
        path: `/api/replication/${await replicationJob()}/run?wait=true`,
      })),
      ...adminOnly('GET /api/replication/:id/runs', "a replication job's runs", 200, () => ({
        method: 'GET',
        path: `/api/replication/${replicationId}/runs`,
      })),
      ...adminOnly('GET /api/replication/:id/runs/:runId', 'a replication run with its file log', 200, () => ({
        method: 'GET',
        path: `/api/replication/${replicationId}/runs/${replicationRunId}`,
      })),

      // ---- audit, health and metrics
      ...adminOnly('GET /api/security/audit', 'read the audit log', 200, () => ({
        method: 'GET',
        path: '/api/security/audit',
      })),
      {
        route: 'GET /health',
        what: 'health',
        need: { kind: 'public' },
        ok: 200,
        request: () => ({ method: 'GET', path: '/health' }),
      },

      // ---- API documentation (issue 15): public, it describes the API and no one's data
      {
        route: 'GET /api/openapi.json',
        what: 'the OpenAPI document',
        need: { kind: 'public' },
        ok: 200,
        request: () => ({ method: 'GET', path: '/api/openapi.json' }),
      },
      {
        route: 'GET /api/docs',
        what: 'the API documentation page',
        need: { kind: 'public' },
        ok: 200,
        request: () => ({ method: 'GET', path: '/api/docs' }),
      },
      {
        route: 'GET /api/docs/:file',
        what: "the documentation page's scripts and styles",
        need: { kind: 'public' },
        ok: 200,
        request: () => ({ method: 'GET', path: '/api/docs/init.js' }),
      },
      {
        route: 'GET /health/live',
        what: 'liveness',
        need: { kind: 'public' },
        ok: 200,
        request: () => ({ method: 'GET', path: '/health/live' }),
      },
      // ---- WebDAV (issue 18): the same privileges as the asset API, per method
      {
        route: 'ALL /dav',
        what: 'PROPFIND /dav/ (the directories): signed-in callers only',
        need: { kind: 'authenticated' },
        ok: 207,
        request: () => ({ method: 'PROPFIND', path: '/dav/', headers: { Depth: '1' } }),
      },
      {
        route: 'OPTIONS /',
        what: "OPTIONS on the server's root (Windows asks before mapping /dav/…)",
        need: { kind: 'anyone' },
        ok: 200,
        request: () => ({ method: 'OPTIONS', path: '/' }),
      },
      {
        route: 'ALL /dav/*rest · OPTIONS',
        what: 'OPTIONS',
        need: { kind: 'anyone' },
        ok: 200,
        request: () => ({ method: 'OPTIONS', path: dav('') }),
      },
      {
        route: 'ALL /dav/*rest · PROPFIND',
        what: 'PROPFIND a folder, depth 1',
        need: dir(View),
        ok: 207,
        request: () => ({ method: 'PROPFIND', path: dav(''), headers: { Depth: '1' } }),
      },
      {
        route: 'ALL /dav/*rest · GET',
        what: 'GET a file',
        need: dir(Download),
        ok: 200,
        request: async (n) => (await upload(`dget-${n}.txt`), { method: 'GET', path: dav(`dget-${n}.txt`) }),
      },
      {
        route: 'ALL /dav/*rest · GET',
        what: 'GET a folder (HTML index)',
        need: dir(View),
        ok: 200,
        request: () => ({ method: 'GET', path: dav('') }),
      },
      {
        route: 'ALL /dav/*rest · HEAD',
        what: 'HEAD a file',
        need: dir(View),
        ok: 200,
        request: async (n) => (await upload(`dhead-${n}.txt`), { method: 'HEAD', path: dav(`dhead-${n}.txt`) }),
      },
      {
        route: 'ALL /dav/*rest · PUT',
        what: 'PUT a new file',
        need: dir(Add),
        ok: 201,
        request: (n) => ({ method: 'PUT', path: dav(`dput-${n}.txt`), body: 'new' }),
      },
      {
        route: 'ALL /dav/*rest · PUT',
        what: 'PUT over an existing file',
        need: dir(Overwrite),
        ok: 204,
        request: async (n) => (
          await upload(`dover-${n}.txt`),
          { method: 'PUT', path: dav(`dover-${n}.txt`), body: 'v2' }
        ),
      },
      {
        route: 'ALL /dav/*rest · DELETE',
        what: 'DELETE a file',
        need: dir(Delete),
        ok: 204,
        request: async (n) => (await upload(`ddel-${n}.txt`), { method: 'DELETE', path: dav(`ddel-${n}.txt`) }),
      },
      {
        route: 'ALL /dav/*rest · MKCOL',
        what: 'MKCOL a folder',
        need: dir(Add),
        ok: 201,
        request: (n) => ({ method: 'MKCOL', path: dav(`dcol-${n}`) }),
      },
      {
        route: 'ALL /dav/*rest · COPY',
        what: 'COPY a file',
        need: dir(Download, Add),
        ok: 201,
        request: async (n) => (
          await upload(`dcp-${n}.txt`),
          { method: 'COPY', path: dav(`dcp-${n}.txt`), headers: { Destination: dav(`dcp-${n}-copy.txt`) } }
        ),
      },
      {
        route: 'ALL /dav/*rest · MOVE',
        what: 'MOVE a file',
        need: dir(Delete, Add),
        ok: 201,
        request: async (n) => (
          await upload(`dmv-${n}.txt`),
          { method: 'MOVE', path: dav(`dmv-${n}.txt`), headers: { Destination: dav(`dmv-${n}-moved.txt`) } }
        ),
      },
      {
        route: 'ALL /dav/*rest · PROPPATCH',
        what: 'PROPPATCH a file',
        need: dir(Add),
        ok: 207,
        request: async (n) => (
          await upload(`dprop-${n}.txt`),
          {
            method: 'PROPPATCH',
            path: dav(`dprop-${n}.txt`),
            headers: { 'Content-Type': 'application/xml' },
            body: '<propertyupdate xmlns="DAV:"><set><prop><x:color xmlns:x="urn:t">red</x:color></prop></set></propertyupdate>',
          }
        ),
      },
      {
        route: 'ALL /dav/*rest · LOCK',
        what: 'LOCK a file',
        need: dir(Add),
        ok: 200,
        request: async (n) => (
          await upload(`dlock-${n}.txt`),
          {
            method: 'LOCK',
            path: dav(`dlock-${n}.txt`),
            headers: { 'Content-Type': 'application/xml', Depth: '0' },
            body: '<lockinfo xmlns="DAV:"><lockscope><exclusive/></lockscope><locktype><write/></locktype></lockinfo>',
          }
        ),
      },
      {
        route: 'ALL /dav/*rest · UNLOCK',
        what: "UNLOCK another's lock: Add, then only the owner (403)",
        need: dir(Add),
        ok: 403,
        request: async (n) => {
          await upload(`dunlock-${n}.txt`);
          const locked = await must(
            raw(t, 'LOCK', dav(`dunlock-${n}.txt`), {
              headers: { 'Content-Type': 'application/xml' },
              body: '<lockinfo xmlns="DAV:"><lockscope><exclusive/></lockscope><locktype><write/></locktype></lockinfo>',
            }),
            200,
          );
          return {
            method: 'UNLOCK',
            path: dav(`dunlock-${n}.txt`),
            headers: { 'Lock-Token': String(locked.headers['lock-token']) },
          };
        },
      },
      // STOCKROOM_METRICS_ACCESS=administer, the default (public mode: observability.e2e-spec.ts).
      ...adminOnly('GET /metrics', 'Prometheus metrics', 200, () => ({ method: 'GET', path: '/metrics' })),
    ];
  }, 120_000);

  afterAll(() => t?.close());

  function adminOnly(route: string, what: string, ok: number, request: Entry['request']): Entry[] {
    return [{ route, what, need: { kind: 'global', privilege: Administer }, ok, request }];
  }

  /** The model: the answer spec §6/§9 give for this caller on this route. */
  function expected(entry: Entry, caller: Caller): number {
    const override = entry.expect?.(caller);
    if (override !== undefined) return override;
    const { need } = entry;
    if (need.kind === 'public') return entry.ok;
    if (caller.kind === 'invalid') return 401;
    const anonymous = caller.kind === 'anonymous';
    switch (need.kind) {
      case 'anyone':
        return entry.ok;
      case 'authenticated':
        return anonymous ? 401 : entry.ok;
      case 'global':
        return caller.global.includes(need.privilege) ? entry.ok : anonymous ? 401 : 403;
      case 'directory': {
        const held = caller.onFeed as readonly Privilege[];
        if (need.privileges.every((p) => held.includes(p))) return entry.ok;
        if (anonymous) return 401;
        if (entry.byId) return 404;
        // A directory the caller cannot view does not exist, as far as it can tell.
        return held.includes(View) ? 403 : 404;
      }
    }
  }

  function routeTable(): string[] {
    const express = t.app.getHttpAdapter().getInstance() as Express & {
      router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
    };
    const routes = new Set<string>();
    for (const layer of express.router.stack) {
      if (!layer.route) continue;
      // @All registers every HTTP verb (Express 5 lists them one by one).
      const methods = Object.keys(layer.route.methods);
      const verbs = methods.length > 10 || methods.includes('_all') ? ['ALL'] : methods.map((m) => m.toUpperCase());
      for (const verb of verbs) {
        if (layer.route.path === '/endpoints/*rest') {
          for (const op of ENDPOINT_OPERATIONS) routes.add(`${verb} ${layer.route.path} · ${op}`);
        } else if (layer.route.path === '/dav/*rest') {
          for (const method of DAV_METHODS) routes.add(`${verb} ${layer.route.path} · ${method}`);
        } else {
          routes.add(`${verb} ${layer.route.path}`);
        }
      }
    }
    return [...routes].sort();
  }

  it('has an entry for every route the app serves, and no entry for a route it does not', () => {
    const covered = new Set(entries.map((e) => e.route));
    const served = routeTable();
    expect(served.filter((r) => !covered.has(r))).toEqual([]);
    expect([...covered].filter((r) => !served.includes(r))).toEqual([]);
  });

  it('answers every caller on every route as spec §6 and §9 say', async () => {
    const mismatches: string[] = [];
    let n = 0;
    for (const entry of entries) {
      for (const caller of callers) {
        const spec = await entry.request(++n);
        const res = await raw(t.url, spec.method, spec.path, {
          headers: { 'Content-Type': 'application/json', ...caller.headers, ...spec.headers },
          body: spec.body,
        });
        const want = expected(entry, caller);
        if (res.status !== want) {
          mismatches.push(
            `${entry.route} (${entry.what}) as ${caller.id}: expected ${want}, got ${res.status} ${res.text.slice(0, 120)}`,
          );
        }
        if (res.status === 401 && spec.method !== 'HEAD') {
          // Every refusal for want of credentials says how to authenticate.
          if (!String(res.headers['www-authenticate'] ?? '').startsWith('Basic')) {
            mismatches.push(`${entry.route} as ${caller.id}: 401 without WWW-Authenticate: Basic`);
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
  }, 300_000);

  it('lists exactly the directories a caller may view', async () => {
    const listed: Record<string, string[]> = {};
    for (const caller of callers) {
      const res = await raw(t.url, 'GET', '/api/management/feeds/list', { headers: caller.headers });
      if (res.status === 200) listed[caller.id] = (JSON.parse(res.text) as { name: string }[]).map((f) => f.name);
    }
    for (const caller of callers) {
      if (caller.kind === 'invalid') {
        expect(listed[caller.id]).toBeUndefined();
        continue;
      }
      const seesFeed = (caller.onFeed as readonly Privilege[]).includes(View);
      expect([caller.id, listed[caller.id]?.includes(FEED)]).toEqual([caller.id, seesFeed]);
      if (caller.id === 'feed key, other directory') expect(listed[caller.id]).toEqual([OTHER_FEED]);
    }
  });
});
