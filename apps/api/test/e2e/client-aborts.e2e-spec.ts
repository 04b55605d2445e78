import { createFeed, eventually, zipOf } from '../support/fixtures';
import { cutAfter, raw } from '../support/http';
import { startServerProcess, ServerProcess } from '../support/server-process';
import { TestApp } from '../support/test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';

describe('client aborts are aborts, never "database unavailable" (child-process server)', () => {
  let db: TestDatabase;
  let server: ServerProcess;
  const linesSince = (mark: number) => server.output().slice(mark);

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startServerProcess({ DATABASE_URL: db.url });
    await createFeed(server as unknown as TestApp, 'files');
    // 1,500 files: a listing of a few hundred KiB, far more than one socket buffer.
    const entries: Record<string, string> = {};
    for (let i = 0; i < 1500; i++) entries[`many/file-${String(i).padStart(5, '0')}-${'x'.repeat(100)}.txt`] = `${i}`;
    const imported = await raw(server, 'POST', '/endpoints/files/import?format=zip', { body: await zipOf(entries) });
    expect(imported.status).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

  it('an upload cut mid-body is logged as an abort, stores nothing, and the server keeps serving', async () => {
    const mark = server.output().length;
    const head =
      `PUT /endpoints/files/content/cut.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${server.adminAuth}\r\n` +
      'Content-Length: 50000000\r\n\r\n';
    const answered = await cutAfter(server.port, head, Buffer.alloc(4 * 1024 * 1024, 7), 0);
    expect(answered).toBe(0);
    // The server's own line for it says what happened: the client went away mid-upload.
    const abortLine = /INFO: +\[Errors\] PUT \/endpoints\/files\/content\/cut\.bin: aborted by the client/;
    await eventually(async () => abortLine.test(linesSince(mark)), 10_000);
    expect(linesSince(mark)).not.toMatch(/database (is )?unavailable/i);
    expect(linesSince(mark)).not.toMatch(/Internal server error|ERROR/);
    expect((await raw(server, 'GET', '/endpoints/files/content/cut.bin')).status).toBe(404);
    expect((await raw(server, 'GET', '/health')).status).toBe(200);
    expect((await raw(server, 'PUT', '/endpoints/files/content/after.bin', { body: 'fine' })).status).toBe(201);
  });

  it('a listing cut mid-way is logged as an abort, and the next listings are whole', async () => {
    const mark = server.output().length;
    const head = `GET /endpoints/files/dir/many HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${server.adminAuth}\r\n\r\n`;
    for (let i = 0; i < 5; i++) expect(await cutAfter(server.port, head, Buffer.alloc(0), 1000)).toBeGreaterThan(0);
    await eventually(async () => /abort/i.test(linesSince(mark)), 10_000);
    expect(linesSince(mark)).not.toMatch(/database (is )?unavailable/i);
    expect(linesSince(mark)).not.toMatch(/Internal server error|ERROR/);
    for (let i = 0; i < 3; i++) {
      const listing = await raw(server, 'GET', '/endpoints/files/dir/many');
      expect(listing.status).toBe(200);
      expect(JSON.parse(listing.text)).toHaveLength(1500);
    }
  });
});
