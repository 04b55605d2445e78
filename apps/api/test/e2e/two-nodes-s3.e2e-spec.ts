import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { S3RVER_CREDENTIALS, S3rverHandle, startS3rver } from '@stockroom/storage/testing';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Client } from 'pg';
import { bytes, createFeed, eventually, hashesOf } from '../support/fixtures';
import { raw, RawResponse } from '../support/http';
import { ServerProcess, startServerProcess } from '../support/server-process';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * The multi-node promise on cloud storage: two Stockroom nodes on ONE PostgreSQL database and ONE
 * S3 bucket (s3rver). Node A runs in this process (startTestApp); node B — and node C, the one
 * that gets killed — are real server processes (apps/api/src/main.ts), so "killed" means SIGKILL:
 * no shutdown hook, open requests and database sessions cut mid-flight.
 *
 * Checked: chunked uploads whose parts alternate between nodes (small, out of order, re-sent,
 * completed on either node); concurrent overwrites and deletes from both nodes converging on one
 * state both nodes serve; the bucket holding exactly the blobs files reference once the sweep ran;
 * a node killed mid-upload losing nothing it acknowledged and leaving nothing behind.
 */

type Node = { name: string; url: string; adminAuth: string };

const MiB = 1024 * 1024;
const BUCKET = 'assets';
const ENCRYPTION_KEY = randomBytes(32).toString('hex');
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

interface Part {
  index: number;
  offset: number;
  size: number;
}

/** Consecutive parts of the given sizes. */
function partsOf(sizes: number[]): Part[] {
  let offset = 0;
  return sizes.map((size, index) => {
    const part = { index, offset, size };
    offset += size;
    return part;
  });
}

function partQuery(id: string, part: Part, totalSize: number, totalParts: number): string {
  return (
    `multipart=upload&id=${id}&index=${part.index}&offset=${part.offset}` +
    `&totalSize=${totalSize}&partSize=${part.size}&totalParts=${totalParts}`
  );
}

describe('two nodes on one database and one S3 bucket', () => {
  let db: TestDatabase;
  let s3: S3rverHandle;
  let client: S3Client;
  let a: TestApp;
  let b: ServerProcess;
  let A: Node;
  let B: Node;

  const sql = async <T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> => {
    const c = new Client({ connectionString: db.url });
    await c.connect();
    try {
      return (await c.query(text, params)).rows as T[];
    } finally {
      await c.end();
    }
  };

  /** Makes a directory whose files live in the shared bucket under `<feed>/`. */
  async function createS3Feed(feed: string): Promise<void> {
    await createFeed(a, feed);
    const saved = await raw(a, 'POST', `/api/storage?feed=${feed}`, {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        id: 's3',
        properties: {
          BucketName: BUCKET,
          TargetPath: `${feed}/`,
          CustomServiceUrl: s3.endpoint,
          UsePathStyle: true,
          AccessKey: S3RVER_CREDENTIALS.accessKeyId,
          SecretAccessKey: S3RVER_CREDENTIALS.secretAccessKey,
        },
      }),
    });
    expect(saved.status).toBe(200);
  }

  async function bucketKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key.slice(prefix.length));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  /**
   * The bucket under `<feed>/` holds exactly the blobs the directory's files reference: none
   * missing (no lost data) and, once the asynchronous sweep ran, none extra. Temporary part objects
   * (`.multipart/<uploadId>/…`) count only while their upload is still open.
   */
  async function expectBucketMatchesFiles(feed: string): Promise<void> {
    let last = '';
    const check = async () => {
      const files = await sql<{ blob_key: string }>(
        `SELECT i.blob_key FROM asset_items i JOIN feeds f ON f.id = i.feed_id
          WHERE f.name_lower = lower($1) AND i.kind = 'file'`,
        [feed],
      );
      const open = await sql<{ storage_upload_id: string }>(
        `SELECT u.storage_upload_id FROM multipart_uploads u JOIN feeds f ON f.id = u.feed_id
          WHERE f.name_lower = lower($1)`,
        [feed],
      );
      const referenced = new Set(files.map((f) => f.blob_key));
      const openTemp = open.map((u) => `.multipart/${u.storage_upload_id}/`);
      const keys = await bucketKeys(`${feed}/`);
      const extra = keys.filter((k) => !referenced.has(k) && !openTemp.some((p) => k.startsWith(p)));
      const missing = [...referenced].filter((k) => !keys.includes(k));
      last = `bucket ${feed}/: ${JSON.stringify(keys)}; referenced: ${JSON.stringify([...referenced])}; extra: ${JSON.stringify(extra)}; missing: ${JSON.stringify(missing)}`;
      return extra.length === 0 && missing.length === 0;
    };
    await eventually(check, 20_000).catch(() => {
      throw new Error(`The bucket does not match the files: ${last}`);
    });
  }

  const post = (node: Node, path: string, body?: Buffer, headers: Record<string, string | number> = {}) =>
    raw(node, 'POST', path, { headers, body });

  async function sendPart(
    node: Node,
    feed: string,
    path: string,
    id: string,
    part: Part,
    data: Buffer,
    totalParts: number,
    body = data.subarray(part.offset, part.offset + part.size),
  ): Promise<void> {
    const res = await post(
      node,
      `/endpoints/${feed}/content/${path}?${partQuery(id, part, data.length, totalParts)}`,
      body,
    );
    if (res.status !== 200) throw new Error(`part ${part.index} on ${node.name}: ${res.status} ${res.text}`);
  }

  async function complete(node: Node, feed: string, path: string, id: string): Promise<RawResponse> {
    return post(node, `/endpoints/${feed}/content/${path}?multipart=complete&id=${id}`);
  }

  async function status(node: Node, feed: string, path: string, id: string) {
    const res = await raw(node, 'GET', `/endpoints/${feed}/content/${path}?multipart=status&id=${id}`);
    expect(res.status).toBe(200);
    return JSON.parse(res.text) as { id: string; totalSize: number; totalParts: number; received: number[] };
  }

  /** Every node serves `data` at `path`, whole and by ranges, with matching metadata. */
  async function expectServedEverywhere(nodes: Node[], feed: string, path: string, data: Buffer): Promise<void> {
    const hashes = hashesOf(data);
    const ranges: Array<[string, number, number]> = [
      [`bytes=0-99`, 0, 100],
      [`bytes=${data.length - 5000}-`, data.length - 5000, data.length],
      [`bytes=-777`, data.length - 777, data.length],
    ];
    if (data.length > 6 * MiB + 100)
      ranges.push([`bytes=${6 * MiB - 100}-${6 * MiB + 99}`, 6 * MiB - 100, 6 * MiB + 100]);
    for (const node of nodes) {
      const whole = await raw(node, 'GET', `/endpoints/${feed}/content/${path}`);
      expect({ node: node.name, status: whole.status, length: whole.body.length }).toEqual({
        node: node.name,
        status: 200,
        length: data.length,
      });
      expect({ node: node.name, sha256: sha256(whole.body) }).toEqual({ node: node.name, sha256: hashes.sha256 });
      expect(whole.headers.etag).toBe(`"${hashes.sha1}"`);
      for (const [range, start, end] of ranges) {
        const part = await raw(node, 'GET', `/endpoints/${feed}/content/${path}`, { headers: { Range: range } });
        expect({ node: node.name, range, status: part.status }).toEqual({ node: node.name, range, status: 206 });
        expect(part.body.equals(data.subarray(start, end))).toBe(true);
      }
      const meta = await raw(node, 'GET', `/endpoints/${feed}/metadata/${path}`);
      expect(meta.status).toBe(200);
      expect(JSON.parse(meta.text)).toMatchObject({ size: data.length, ...hashes });
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    s3 = await startS3rver();
    client = new S3Client({
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: S3RVER_CREDENTIALS,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    a = await startTestApp({ STOCKROOM_ENCRYPTION_KEY: ENCRYPTION_KEY }, db);
    A = { name: 'A', url: a.url, adminAuth: a.adminAuth };
    // Switched to S3 while empty, before node B ever sees them.
    for (const feed of ['chunks', 'race', 'crash']) await createS3Feed(feed);
    b = await startServerProcess({ DATABASE_URL: db.url, STOCKROOM_ENCRYPTION_KEY: ENCRYPTION_KEY });
    B = { name: 'B', url: b.url, adminAuth: b.adminAuth };
  }, 180_000);

  afterAll(async () => {
    await b?.stop();
    await a?.close();
    client?.destroy();
    await s3?.stop();
    await db?.drop();
  });

  describe('a chunked upload whose parts alternate between the nodes', () => {
    it('small, out-of-order and re-sent parts on both nodes, completed on A: identical everywhere', async () => {
      const sizes = [6 * MiB, 1 * MiB, 300_000, 5 * MiB, 1 * MiB + 12_345];
      const data = bytes(sizes.reduce((s, n) => s + n, 0));
      const parts = partsOf(sizes);
      const send = (node: Node, index: number, body?: Buffer) =>
        sendPart(node, 'chunks', 'big/one.bin', 'two-nodes-1', parts[index], data, parts.length, body);

      await send(A, 3);
      await send(B, 0);
      // Part 1 arrives first with wrong bytes on A, then is re-sent right on B: the re-send wins.
      await send(A, 1, bytes(parts[1].size));
      await Promise.all([send(A, 4), send(B, 1)]);
      expect((await status(A, 'chunks', 'big/one.bin', 'two-nodes-1')).received).toEqual([0, 1, 3, 4]);
      await send(B, 2);
      expect(await status(A, 'chunks', 'big/one.bin', 'two-nodes-1')).toEqual({
        id: 'two-nodes-1',
        totalSize: data.length,
        totalParts: 5,
        received: [0, 1, 2, 3, 4],
      });
      // Not there until completed, on either node.
      expect((await raw(B, 'GET', '/endpoints/chunks/content/big/one.bin')).status).toBe(404);

      const done = await complete(A, 'chunks', 'big/one.bin', 'two-nodes-1');
      expect({ status: done.status, text: done.text }).toEqual({ status: 200, text: expect.any(String) });
      await expectServedEverywhere([A, B], 'chunks', 'big/one.bin', data);
      await expectBucketMatchesFiles('chunks');
    });

    it('in-order parts alternating B, A, B, A (the running hash crosses nodes), completed on B', async () => {
      const sizes = [2 * MiB, 700_000, 5 * MiB, 1 * MiB + 1];
      const data = bytes(sizes.reduce((s, n) => s + n, 0));
      const parts = partsOf(sizes);
      const nodes = [B, A, B, A];
      for (const part of parts) {
        await sendPart(nodes[part.index], 'chunks', 'big/two.bin', 'two-nodes-2', part, data, parts.length);
      }
      expect((await status(B, 'chunks', 'big/two.bin', 'two-nodes-2')).received).toEqual([0, 1, 2, 3]);
      const done = await complete(B, 'chunks', 'big/two.bin', 'two-nodes-2');
      expect({ status: done.status, text: done.text }).toEqual({ status: 200, text: expect.any(String) });
      // The upload is gone on both nodes once completed.
      expect((await complete(A, 'chunks', 'big/two.bin', 'two-nodes-2')).status).toBe(400);
      await expectServedEverywhere([A, B], 'chunks', 'big/two.bin', data);
      await expectBucketMatchesFiles('chunks');
    });

    it('a chunked upload replacing an existing file, parts on both nodes, completed on B', async () => {
      const old = bytes(50_000);
      expect((await post(A, '/endpoints/chunks/content/big/three.bin', old)).status).toBe(201);
      const sizes = [1 * MiB, 1 * MiB, 123];
      const data = bytes(sizes.reduce((s, n) => s + n, 0));
      const parts = partsOf(sizes);
      await Promise.all([
        sendPart(A, 'chunks', 'big/three.bin', 'two-nodes-3', parts[2], data, 3),
        sendPart(B, 'chunks', 'big/three.bin', 'two-nodes-3', parts[0], data, 3),
        sendPart(A, 'chunks', 'big/three.bin', 'two-nodes-3', parts[1], data, 3),
      ]);
      // Readers keep seeing the old content until completion.
      await expectServedEverywhere([A, B], 'chunks', 'big/three.bin', old);
      expect((await complete(B, 'chunks', 'big/three.bin', 'two-nodes-3')).status).toBe(200);
      await expectServedEverywhere([A, B], 'chunks', 'big/three.bin', data);
      // The replaced blob is swept.
      await expectBucketMatchesFiles('chunks');
    });
  });

  describe('concurrent overwrites and deletes from both nodes', () => {
    const path = (p: string) => `/endpoints/race/content/${p}`;

    /** Both nodes agree on `p`: both 404, or both serve the same bytes, one of `candidates`. */
    async function expectSameStateEverywhere(p: string, candidates: Buffer[]): Promise<Buffer | null> {
      const [onA, onB] = [await raw(A, 'GET', path(p)), await raw(B, 'GET', path(p))];
      expect(onB.status).toBe(onA.status);
      if (onA.status === 404) {
        expect((await raw(A, 'GET', `/endpoints/race/metadata/${p}`)).status).toBe(404);
        expect((await raw(B, 'GET', `/endpoints/race/metadata/${p}`)).status).toBe(404);
        return null;
      }
      expect(onA.status).toBe(200);
      expect(onB.body.equals(onA.body)).toBe(true);
      expect(candidates.filter((c) => c.equals(onA.body))).toHaveLength(1);
      for (const node of [A, B]) {
        const meta = JSON.parse((await raw(node, 'GET', `/endpoints/race/metadata/${p}`)).text);
        expect({ node: node.name, sha256: meta.sha256, size: meta.size }).toEqual({
          node: node.name,
          sha256: sha256(onA.body),
          size: onA.body.length,
        });
      }
      return onA.body;
    }

    it('20 concurrent overwrites of one path, split across nodes: one whole winner everywhere', async () => {
      const bodies = Array.from({ length: 20 }, (_, i) => bytes(20_000 + i * 997));
      const results = await Promise.all(bodies.map((body, i) => post(i % 2 ? B : A, path('hot/one.bin'), body)));
      expect(results.map((r) => r.status)).toEqual(bodies.map(() => 201));
      const winner = await expectSameStateEverywhere('hot/one.bin', bodies);
      expect(winner).not.toBeNull();
      // Both nodes list the folder the same way (`content` links name the node asked).
      const list = async (node: Node) =>
        (JSON.parse((await raw(node, 'GET', '/endpoints/race/dir/hot')).text) as Record<string, unknown>[]).map(
          ({ content: _content, ...item }) => item,
        );
      const listA = await list(A);
      expect(await list(B)).toEqual(listA);
      expect(listA).toMatchObject([{ name: 'one.bin', sha256: sha256(winner as Buffer) }]);
      // 19 replaced blobs, written and queued by two nodes, are all swept.
      await expectBucketMatchesFiles('race');
    });

    it('10 concurrent deletes of one file from both nodes: one deletion, then 404 everywhere', async () => {
      const body = bytes(30_000);
      expect((await post(A, path('doomed.bin'), body)).status).toBe(201);
      expect((await raw(B, 'GET', path('doomed.bin'))).body.equals(body)).toBe(true);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => raw(i % 2 ? B : A, 'DELETE', path('doomed.bin'))),
      );
      // Spec §2 #8: DELETE answers 200 also when the file is already gone; exactly one of them
      // deleted it, as the audit log shows.
      expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
      const deletions = await sql(
        `SELECT 1 FROM audit_events WHERE action = 'asset.deleted' AND feed_lower = 'race' AND target = 'doomed.bin'`,
      );
      expect(deletions).toHaveLength(1);
      for (const node of [A, B]) {
        expect((await raw(node, 'GET', path('doomed.bin'))).status).toBe(404);
        expect((await raw(node, 'GET', '/endpoints/race/metadata/doomed.bin')).status).toBe(404);
      }
      await expectBucketMatchesFiles('race');
    });

    it('overwrites racing deletes on both nodes: both nodes agree, and no blob is left over', async () => {
      for (let round = 0; round < 3; round++) {
        const p = `mixed/file-${round}.bin`;
        expect((await post(B, path(p), bytes(1000))).status).toBe(201);
        const bodies = Array.from({ length: 20 }, (_, i) => bytes(5_000 + i * 311));
        const isWrite = (i: number) => i % 4 < 2;
        const results = await Promise.all(
          bodies.map((body, i) => {
            const node = i % 2 ? B : A;
            return isWrite(i) ? post(node, path(p), body) : raw(node, 'DELETE', path(p));
          }),
        );
        expect(results.filter((r, i) => !isWrite(i) && r.status !== 200)).toEqual([]);
        // Only acknowledged writes may be what the nodes serve. (Whether every POST is
        // acknowledged is the next test's business: here the race decides how often it matters.)
        await expectSameStateEverywhere(
          p,
          bodies.filter((_, i) => isWrite(i) && results[i].status === 201),
        );
      }
      await expectBucketMatchesFiles('race');
    });

    /**
     * The interleaving the previous test hits at random, forced: a DELETE on B takes the file's
     * row lock first, then a POST on A (create or overwrite, spec §2 #3) finds the row present,
     * and waits for the same lock; the DELETE commits. The POST must then create the file (201):
     * a file deleted a moment before is no reason to answer 404. A transaction of the test holds
     * the row lock until both requests are queued behind it (seen in pg_stat_activity), so the
     * order is certain.
     */
    it('a POST that loses the row to a concurrent DELETE on the other node still creates the file', async () => {
      expect((await post(A, path('contended.bin'), bytes(1000))).status).toBe(201);
      const waiting = async () =>
        Number(
          (
            await sql<{ n: string }>(
              `SELECT count(*) AS n FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock'`,
            )
          )[0].n,
        );
      const holder = new Client({ connectionString: db.url });
      await holder.connect();
      let deleted: Promise<RawResponse> | undefined;
      let posted: Promise<RawResponse> | undefined;
      const body = bytes(4321);
      try {
        await holder.query('BEGIN');
        await holder.query(
          `SELECT 1 FROM asset_items i JOIN feeds f ON f.id = i.feed_id
            WHERE f.name_lower = 'race' AND i.path_lower = 'contended.bin' FOR UPDATE OF i`,
        );
        deleted = raw(B, 'DELETE', path('contended.bin'));
        await eventually(async () => (await waiting()) === 1, 20_000);
        let settled = false;
        posted = post(A, path('contended.bin'), body).finally(() => (settled = true));
        // (A POST that needs no lock at all would settle instead.)
        await eventually(async () => settled || (await waiting()) === 2, 20_000);
      } finally {
        await holder.query('COMMIT').catch(() => undefined);
        await holder.end();
      }
      expect((await deleted).status).toBe(200);
      const res = await posted;
      expect({ status: res.status, text: res.status === 201 ? '' : res.text }).toEqual({ status: 201, text: '' });
      expect(await expectSameStateEverywhere('contended.bin', [body])).toEqual(body);
      await expectBucketMatchesFiles('race');
    });
  });

  describe('a node killed mid-upload', () => {
    let c: ServerProcess;
    let C: Node;

    beforeAll(async () => {
      c = await startServerProcess({ DATABASE_URL: db.url, STOCKROOM_ENCRYPTION_KEY: ENCRYPTION_KEY });
      C = { name: 'C', url: c.url, adminAuth: c.adminAuth };
    }, 120_000);

    afterAll(async () => {
      await c?.stop();
    });

    /**
     * Starts a request that announces `total` bytes but sends only `sent` of them (the connection
     * then stays open, as when the client is still uploading). `flushed` resolves once those bytes
     * were handed to the socket; `outcome` is the response status or the error that ended it.
     */
    function partialRequest(node: Node, path: string, total: number, sent: Buffer) {
      const { hostname, port } = new URL(node.url);
      let outcome!: Promise<number | Error>;
      const flushed = new Promise<void>((resolveFlushed, rejectFlushed) => {
        outcome = new Promise((resolveOutcome) => {
          const req = httpRequest({
            host: hostname,
            port,
            method: 'POST',
            path,
            headers: { Authorization: node.adminAuth, 'Content-Length': total },
          });
          req.on('response', (res) => {
            res.resume();
            resolveOutcome(res.statusCode ?? 0);
          });
          req.on('error', (e) => {
            resolveOutcome(e);
            rejectFlushed(e);
          });
          req.write(sent, (e) => (e ? rejectFlushed(e) : resolveFlushed()));
        });
      });
      return { flushed, outcome };
    }

    it('SIGKILL of the node: acknowledged parts and files survive on the other node, nothing else does', async () => {
      // Acknowledged by C before the kill: a whole file and three parts of a chunked upload.
      const acked = bytes(200_000);
      expect((await post(C, '/endpoints/crash/content/acked.bin', acked)).status).toBe(201);
      const sizes = [3 * MiB, 1 * MiB, 2 * MiB, 3 * MiB, 777];
      const data = bytes(sizes.reduce((s, n) => s + n, 0));
      const parts = partsOf(sizes);
      const send = (node: Node, index: number) =>
        sendPart(node, 'crash', 'up/chunked.bin', 'crash-1', parts[index], data, parts.length);
      await send(C, 0);
      await send(C, 1);
      await send(C, 3);

      // In flight on C when it dies: part 2 (half sent) and a 20 MiB single upload (12 MiB sent).
      const part2 = parts[2];
      const inflightPart = partialRequest(
        C,
        `/endpoints/crash/content/up/chunked.bin?${partQuery('crash-1', part2, data.length, parts.length)}`,
        part2.size,
        data.subarray(part2.offset, part2.offset + part2.size / 2),
      );
      const inflightFile = partialRequest(C, '/endpoints/crash/content/inflight.bin', 20 * MiB, bytes(12 * MiB));
      await Promise.all([inflightPart.flushed, inflightFile.flushed]);
      await c.kill();
      // Neither got an answer: the connection died with the node (an Error, not a status).
      expect(typeof (await inflightPart.outcome)).toBe('object');
      expect(typeof (await inflightFile.outcome)).toBe('object');

      // Node A knows every acknowledged part; the client re-sends the unacknowledged one there.
      expect((await status(A, 'crash', 'up/chunked.bin', 'crash-1')).received).toEqual([0, 1, 3]);
      await send(A, 2);
      await send(A, 4);
      const done = await complete(A, 'crash', 'up/chunked.bin', 'crash-1');
      expect({ status: done.status, text: done.text }).toEqual({ status: 200, text: expect.any(String) });
      await expectServedEverywhere([A, B], 'crash', 'up/chunked.bin', data);

      // The file C acknowledged is served; the upload cut by the kill left no file.
      await expectServedEverywhere([A, B], 'crash', 'acked.bin', acked);
      for (const node of [A, B]) {
        expect((await raw(node, 'GET', '/endpoints/crash/content/inflight.bin')).status).toBe(404);
        expect((await raw(node, 'GET', '/endpoints/crash/metadata/inflight.bin')).status).toBe(404);
      }
      const listing = JSON.parse((await raw(A, 'GET', '/endpoints/crash/dir/?recursive=true')).text) as {
        name: string;
      }[];
      expect(listing.map((i) => i.name).sort()).toEqual(['acked.bin', 'chunked.bin', 'up']);
      // No upload is open any more: no temporary part may remain, and no unreferenced blob.
      expect(await sql(`SELECT 1 FROM multipart_uploads`)).toHaveLength(0);
      await expectBucketMatchesFiles('crash');
    });
  });
});
