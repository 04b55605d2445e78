import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import * as yauzl from 'yauzl';
import { startTestApp, TestApp } from '../support/test-app';
import { bytes, createFeed, endpoint, streamToBuffer, zipOf } from '../support/fixtures';
import { raw } from '../support/http';

async function tgzOf(
  entries: { name: string; content?: Buffer | string; type?: tar.Header['type']; linkname?: string }[],
): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    const header = { name: e.name, type: e.type ?? 'file', linkname: e.linkname };
    if (e.content === undefined) pack.entry(header);
    else pack.entry(header, Buffer.from(e.content));
  }
  pack.finalize();
  const { createGzip } = await import('node:zlib');
  return streamToBuffer((pack as unknown as NodeJS.ReadableStream).pipe(createGzip()));
}

function unzip(buf: Buffer): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const out: Record<string, string> = {};
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName.endsWith('/')) {
          out[entry.fileName] = '<dir>';
          zip.readEntry();
          return;
        }
        zip.openReadStream(entry, (e, s) => {
          if (e || !s) return reject(e);
          // A failed read rejects the whole unzip (not an unhandled rejection and a test left hanging).
          streamToBuffer(s).then((b) => {
            out[entry.fileName] = b.toString();
            zip.readEntry();
          }, reject);
        });
      });
      zip.on('end', () => resolve(out));
      zip.readEntry();
    });
  });
}

async function untgz(buf: Buffer): Promise<Record<string, string>> {
  const extract = tar.extract();
  const out: Record<string, string> = {};
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', async (header, stream, next) => {
      out[header.name] =
        header.type === 'directory'
          ? '<dir>'
          : (await streamToBuffer(stream as unknown as NodeJS.ReadableStream)).toString();
      next();
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  Readable.from(buf)
    .pipe(createGunzip())
    .pipe(extract as unknown as NodeJS.WritableStream);
  await done;
  return out;
}

describe('import and export archives (spec §2 #12-13)', () => {
  let t: TestApp;
  let ep: ReturnType<typeof endpoint>;
  // The tree and its files, without download statistics (written asynchronously, by design).
  const snapshot = async () =>
    JSON.stringify(
      ((await (await ep('dir/?recursive=true')).json()) as Record<string, unknown>[]).map(
        ({ downloadCount: _count, lastDownloaded: _last, ...item }) => item,
      ),
    );

  beforeAll(async () => {
    t = await startTestApp({ STOCKROOM_IMPORT_MAX_ENTRIES: '50', STOCKROOM_IMPORT_MAX_BYTES: '50000000' });
    await createFeed(t, 'arc');
    ep = endpoint(t, 'arc');
  });
  afterAll(() => t.close());

  it('imports a zip into a new folder and reports counts; sniffs the format when absent', async () => {
    const zip = await zipOf({ 'readme.txt': 'hello', 'bin/tool.exe': 'MZ', 'empty/': null });
    const res = await ep('import/releases/1.0', { method: 'POST', body: zip });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ created: 2, overwritten: 0, skipped: 0 });
    expect(await (await ep('content/releases/1.0/readme.txt')).text()).toBe('hello');
    expect((await (await ep('metadata/releases/1.0/bin/tool.exe')).json()).type).toBe('application/octet-stream');
    expect((await (await ep('metadata/releases/1.0/readme.txt')).json()).type).toBe('text/plain');
    expect((await (await ep('metadata/releases/1.0/empty')).json()).type).toBe('dir');
  });

  it('imports tgz (with ./ prefixes); overwrite=false skips existing files, true replaces them', async () => {
    const tgz = await tgzOf([
      { name: './', type: 'directory' },
      { name: './a.txt', content: 'new a' },
      { name: './sub/b.txt', content: 'new b' },
    ]);
    await ep('content/t/a.txt', { method: 'POST', body: 'old a' });
    let res = await ep('import/t?format=tgz', { method: 'POST', body: tgz });
    expect(await res.json()).toEqual({ created: 1, overwritten: 0, skipped: 1 });
    expect(await (await ep('content/t/a.txt')).text()).toBe('old a');
    res = await ep('import/t?format=tgz&overwrite=true', { method: 'POST', body: tgz });
    expect(await res.json()).toEqual({ created: 0, overwritten: 2, skipped: 0 });
    expect(await (await ep('content/t/a.txt')).text()).toBe('new a');
  });

  it('exports a folder as zip and tgz, recursive or not, streamed with the right headers', async () => {
    await ep('content/exp/one.txt', { method: 'POST', body: 'one' });
    await ep('content/exp/deep/two.txt', { method: 'POST', body: 'two' });
    let res = await ep('export/exp?format=zip&recursive=true');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="exp.zip"');
    expect(await unzip(Buffer.from(await res.arrayBuffer()))).toEqual({
      'deep/': '<dir>',
      'one.txt': 'one',
      'deep/two.txt': 'two',
    });

    res = await ep('export/exp?format=tgz&recursive=false');
    expect(res.headers.get('content-type')).toBe('application/gzip');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="exp.tgz"');
    expect(await untgz(Buffer.from(await res.arrayBuffer()))).toEqual({ 'one.txt': 'one' });

    res = await ep('export/?format=zip&recursive=true');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="arc.zip"');
    expect(Object.keys(await unzip(Buffer.from(await res.arrayBuffer())))).toContain('exp/deep/two.txt');
  });

  it('round-trips: export then import elsewhere gives the same bytes', async () => {
    const data = bytes(300_000);
    await ep('content/rt/blob.bin', { method: 'POST', body: data });
    const zip = Buffer.from(await (await ep('export/rt?format=zip&recursive=true')).arrayBuffer());
    expect((await ep('import/rt-copy', { method: 'POST', body: zip })).status).toBe(200);
    expect(Buffer.from(await (await ep('content/rt-copy/blob.bin')).arrayBuffer())).toEqual(data);
  });

  it('HEAD export and abandoned exports hold no database connection', async () => {
    // More requests than the pool has connections: a leak would make the last ones hang.
    for (let i = 0; i < 30; i++) {
      expect((await raw(t, 'HEAD', '/endpoints/arc/export/exp?format=zip')).status).toBe(200);
    }
    for (let i = 0; i < 30; i++) {
      const res = await ep('export/?format=tgz&recursive=true');
      await res.body?.cancel();
    }
    expect((await ep('dir/exp')).status).toBe(200);
  });

  it('export: 400 for a bad format, 404 for a missing folder', async () => {
    expect((await ep('export/exp?format=rar')).status).toBe(400);
    expect((await ep('export/nothing-here?format=zip')).status).toBe(404);
  });

  it('pgutil sends unescaped paths with spaces as %20', async () => {
    const zip = await zipOf({ 'x.txt': 'x' });
    expect((await raw(t, 'POST', '/endpoints/arc/import/my%20folder?format=zip', { body: zip })).status).toBe(200);
    expect(await (await ep('content/my%20folder/x.txt')).text()).toBe('x');
  });

  describe('rejects unsafe or broken archives whole (400/413, nothing written)', () => {
    const cases: [string, () => Promise<Buffer>, number, RegExp][] = [
      [
        'tar zip-slip',
        () =>
          tgzOf([
            { name: 'ok.txt', content: 'ok' },
            { name: '../evil.txt', content: 'x' },
          ]),
        400,
        /\.\./,
      ],
      [
        'absolute path',
        () =>
          tgzOf([
            { name: 'ok.txt', content: 'ok' },
            { name: '/etc/passwd', content: 'x' },
          ]),
        400,
        /absolute|\//,
      ],
      [
        'backslash trick',
        () =>
          tgzOf([
            { name: 'ok.txt', content: 'ok' },
            { name: '..\\evil.txt', content: 'x' },
          ]),
        400,
        /\\/,
      ],
      [
        'symlink',
        () =>
          tgzOf([
            { name: 'ok.txt', content: 'ok' },
            { name: 'link', type: 'symlink', linkname: '/etc/passwd' },
          ]),
        400,
        /link/i,
      ],
      [
        'hard link',
        () =>
          tgzOf([
            { name: 'ok.txt', content: 'ok' },
            { name: 'hard', type: 'link', linkname: 'ok.txt' },
          ]),
        400,
        /link/i,
      ],
      [
        'device',
        () =>
          tgzOf([
            { name: 'ok.txt', content: 'ok' },
            { name: 'dev', type: 'character-device' },
          ]),
        400,
        /device/i,
      ],
      [
        'duplicate entries',
        () =>
          tgzOf([
            { name: 'dup.txt', content: 'a' },
            { name: 'DUP.txt', content: 'b' },
          ]),
        400,
        /uplicate/,
      ],
      [
        'truncated zip',
        async () => (await zipOf({ 'a.txt': bytes(10_000).toString('hex') })).subarray(0, 5000),
        400,
        /zip/i,
      ],
      [
        'truncated tgz',
        async () => (await tgzOf([{ name: 'a.txt', content: bytes(100_000) }])).subarray(0, 20_000),
        400,
        /tgz|archive/i,
      ],
      ['not an archive', async () => Buffer.from('this is just text, not an archive at all'), 400, /not a zip or tgz/],
      [
        'too many entries',
        () => zipOf(Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`f${i}.txt`, 'x']))),
        413,
        /entries/,
      ],
      ['zip bomb', () => zipOf({ 'bomb.bin': Buffer.alloc(40_000_000) }), 400, /ratio/],
    ];
    it.each(cases)('%s', async (_name, build, status, reason) => {
      const before = await snapshot();
      const res = await ep('import/target', { method: 'POST', body: await build() });
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toMatch(reason);
      expect(await snapshot()).toBe(before);
    });
  });
});
