import { Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Client } from 'pg';
import * as yazl from 'yazl';
import { NameTwinsReport } from '../../src/modules/assets/name-twins.service';
import { startTestApp, TestApp } from '../support/test-app';
import { createFeed, endpoint, streamToBuffer, zipOf } from '../support/fixtures';

const NFC = 'caf\u00e9.txt';
const NFD = 'cafe\u0301.txt';
const enc = encodeURIComponent;

/** A stored zip (no compression), so that its bytes can be tampered with at known offsets. */
async function storedZip(entries: Record<string, string>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(entries)) zip.addBuffer(Buffer.from(content), name, { compress: false });
  zip.end();
  return streamToBuffer(zip.outputStream);
}

describe('names (spec §1 [ext]): NFC, and rules for names being created', () => {
  let t: TestApp;
  let db: Client;
  let ep: ReturnType<typeof endpoint>;
  let feedId: number;

  const listing = async (path = '') =>
    ((await (await ep(`dir/${path}?recursive=true`)).json()) as { name: string; parent?: string; type: string }[]).map(
      (i) => (i.parent ? `${i.parent}/${i.name}` : i.name),
    );

  beforeAll(async () => {
    t = await startTestApp();
    await createFeed(t, 'names');
    ep = endpoint(t, 'names');
    db = new Client({ connectionString: t.db.url });
    await db.connect();
    feedId = (await db.query(`SELECT id FROM feeds WHERE name = 'names'`)).rows[0].id;
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  describe('refused with 400 and the rule when created', () => {
    const cases: [string, string, RegExp][] = [
      [
        'a bidi override (U+202E)',
        enc('invoice\u202Efdp.exe'),
        /Invalid name "invoice<U\+202E>fdp\.exe": bidirectional control/,
      ],
      ['an isolate (U+2067)', enc('a\u2067b.txt'), /bidirectional control characters \(U\+2067\)/],
      ['a zero-width space', enc('a\u200Bb.txt'), /Invalid name "a<U\+200B>b\.txt": zero-width characters/],
      ['a byte-order mark', enc('\uFEFFx.txt'), /zero-width characters \(U\+FEFF\)/],
      ['CON', 'CON', /Invalid name "CON": "CON" is a reserved device name on Windows/],
      ['nul (any case)', 'nul', /"NUL" is a reserved device name/],
      ['LPT1.txt', 'LPT1.txt', /Invalid name "LPT1\.txt": "LPT1" is a reserved device name/],
      ['con.tar.gz', 'con.tar.gz', /"CON" is a reserved device name/],
      ['COM9', 'COM9', /"COM9" is a reserved/],
      ['a trailing dot', 'x.', /Invalid name "x\.": a name cannot end with a dot/],
      ['a trailing space', 'x%20', /Invalid name "x ": a name cannot end with a space/],
      ['a reserved folder on the way', 'AUX/inner.txt', /Invalid name "AUX"/],
    ];

    it.each(cases)('upload (POST and PUT): %s', async (_rule, path, message) => {
      for (const method of ['POST', 'PUT']) {
        const res = await ep(`content/up/${path}`, { method, body: 'data' });
        expect(res.status).toBe(400);
        expect(await res.text()).toMatch(message);
      }
      expect(await listing('up')).toEqual([]);
    });

    it.each(cases)('folder create: %s', async (_rule, path, message) => {
      const res = await ep(`dir/mk/${path}`, { method: 'POST' });
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(message);
      expect(await listing('mk')).toEqual([]);
    });

    it('multipart: the first part and the completion are refused', async () => {
      const part = await ep(
        'content/mp/COM1.bin?multipart=upload&id=mp1&index=0&offset=0&totalSize=4&partSize=4&totalParts=1',
        {
          method: 'POST',
          body: 'data',
        },
      );
      expect(part.status).toBe(400);
      expect(await part.text()).toMatch(/Invalid name "COM1\.bin": "COM1" is a reserved device name/);
      const complete = await ep('content/mp/x.?multipart=complete&id=mp1', { method: 'POST' });
      expect(complete.status).toBe(400);
      expect(await complete.text()).toMatch(/a name cannot end with a dot/);
      expect(await listing('mp')).toEqual([]);
    });

    it.each([
      [
        'a reserved file name',
        { 'ok.txt': 'ok', 'sub/CON.txt': 'x' },
        /Unsafe archive entry "sub\/CON\.txt": "CON" is a reserved device name/,
      ],
      [
        'a reserved folder name',
        { 'ok.txt': 'ok', 'lpt3/a.txt': 'x' },
        /Unsafe archive entry "lpt3": "LPT3" is a reserved/,
      ],
      [
        'a bidi control',
        { 'ok.txt': 'ok', 'a\u202Eb.txt': 'x' },
        /Unsafe archive entry "a<U\+202E>b\.txt": bidirectional control/,
      ],
      ['a zero-width joiner', { 'ok.txt': 'ok', 'a\u200Db.txt': 'x' }, /zero-width characters \(U\+200D\)/],
      [
        'a trailing dot',
        { 'ok.txt': 'ok', 'dir./a.txt': 'x' },
        /Unsafe archive entry "dir\.": a name cannot end with a dot/,
      ],
    ])('archive import: %s rejects the whole archive', async (_rule, entries, message) => {
      const res = await ep('import/imp', { method: 'POST', body: await zipOf(entries) });
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(message);
      expect(await listing('imp')).toEqual([]);
      expect((await ep('metadata/imp')).status).toBe(404);
    });

    it('archive import into a target folder with a reserved name', async () => {
      const res = await ep('import/PRN', { method: 'POST', body: await zipOf({ 'a.txt': 'a' }) });
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/Invalid name "PRN"/);
      expect((await ep('metadata/PRN')).status).toBe(404);
    });

    it('names close to the rules are fine', async () => {
      for (const name of ['CONSOLE.txt', 'com10', 'nul_', '.profile', 'a.b', 'x y.txt']) {
        expect((await ep(`content/fine/${enc(name)}`, { method: 'POST', body: name })).status).toBe(201);
      }
      expect((await ep('dir/fine/LPT10', { method: 'POST' })).status).toBe(201);
      expect((await listing('fine')).length).toBe(7);
    });
  });

  describe('NFC', () => {
    it('an NFD upload is stored as NFC: one item whichever form a client sends', async () => {
      expect((await ep(`content/nfc/${enc(NFD)}`, { method: 'POST', body: 'first' })).status).toBe(201);
      expect(await (await ep(`content/nfc/${enc(NFC)}`)).text()).toBe('first');
      expect(await (await ep(`content/nfc/${enc(NFD)}`)).text()).toBe('first');
      // PUT (create only) in the other form finds it: the same item, not a second one.
      expect((await ep(`content/nfc/${enc(NFC)}`, { method: 'PUT', body: 'second' })).status).toBe(400);
      expect((await ep(`content/nfc/${enc(NFC)}`, { method: 'POST', body: 'second' })).status).toBe(201);
      expect(await listing('nfc')).toEqual([`nfc/${NFC}`]);
      expect(await (await ep(`content/nfc/${enc(NFD)}`)).text()).toBe('second');
      // Folders too, and archive entries.
      expect((await ep(`dir/nfc/${enc('re\u0301sume\u0301')}`, { method: 'POST' })).status).toBe(201);
      const zip = await zipOf({ [`r\u00e9sum\u00e9/${NFD}`]: 'from zip' });
      expect(await (await ep('import/nfc', { method: 'POST', body: zip })).json()).toEqual({
        created: 1,
        overwritten: 0,
        skipped: 0,
      });
      expect(await listing('nfc')).toEqual([`nfc/r\u00e9sum\u00e9`, `nfc/${NFC}`, `nfc/r\u00e9sum\u00e9/${NFC}`]);
      expect(await (await ep(`content/nfc/${enc('re\u0301sume\u0301')}/${enc(NFC)}`)).text()).toBe('from zip');
    });
  });

  describe('items stored before the rules stay reachable and deletable', () => {
    /** Uploads a file under a harmless name, then renames its row in SQL (as if made before the rules). */
    async function legacyFile(harmless: string, legacyPath: string, body: string): Promise<void> {
      expect((await ep(`content/${harmless}`, { method: 'POST', body })).status).toBe(201);
      const parent = legacyPath.split('/').slice(0, -1).join('/');
      const name = legacyPath.split('/').pop() as string;
      await db.query(
        `UPDATE asset_items SET path = $3, path_lower = lower($3), parent_lower = lower($4), name = $5, name_lower = lower($5)
         WHERE feed_id = $1 AND path_lower = lower($2)`,
        [feedId, harmless, legacyPath, parent, name],
      );
    }

    it('a file named CON and a folder named "x." can be read, overwritten, written into and deleted', async () => {
      await legacyFile('legacy/placeholder-con', 'legacy/CON', 'device');
      await db.query(
        `INSERT INTO asset_items (feed_id, path, path_lower, parent_lower, name, name_lower, kind, created_at, modified_at)
         VALUES ($1, 'legacy/x.', 'legacy/x.', 'legacy', 'x.', 'x.', 'dir', now(), now())`,
        [feedId],
      );
      expect(await (await ep('content/legacy/CON')).text()).toBe('device');
      expect((await ep('content/legacy/con', { method: 'HEAD' })).status).toBe(200);
      expect((await (await ep('metadata/legacy/CON')).json()).name).toBe('CON');
      expect((await ep('content/legacy/CON', { method: 'PATCH', body: 'replaced' })).status).toBe(201);
      expect(await (await ep('content/legacy/CON')).text()).toBe('replaced');
      // Writing into the existing folder "x." creates only new (valid) names.
      expect((await ep('content/legacy/x./inside.txt', { method: 'POST', body: 'in' })).status).toBe(201);
      expect((await ep('dir/legacy/x./sub', { method: 'POST' })).status).toBe(201);
      expect(await (await ep('content/legacy/x./inside.txt')).text()).toBe('in');
      expect((await ep('content/legacy/CON', { method: 'DELETE' })).status).toBe(200);
      expect((await ep('content/legacy/CON')).status).toBe(404);
      expect((await ep('delete/legacy/x.?recursive=true', { method: 'POST' })).status).toBe(200);
      expect(await listing('legacy')).toEqual([]);
    });

    it('a file stored decomposed (NFD) is found by either form, and not duplicated by an upload', async () => {
      await legacyFile('old/nfd-placeholder.txt', `old/${NFD}`, 'stored nfd');
      expect(await (await ep(`content/old/${enc(NFD)}`)).text()).toBe('stored nfd');
      expect(await (await ep(`content/old/${enc(NFC)}`)).text()).toBe('stored nfd');
      expect((await ep(`metadata/old/${enc(NFC)}`)).status).toBe(200);
      expect((await ep(`content/old/${enc(NFC)}`, { method: 'POST', body: 'updated' })).status).toBe(201);
      expect(await listing('old')).toEqual([`old/${NFD}`]);
      expect(await (await ep(`content/old/${enc(NFD)}`)).text()).toBe('updated');
      expect((await ep(`content/old/${enc(NFC)}`, { method: 'DELETE' })).status).toBe(200);
      expect(await listing('old')).toEqual([]);
    });

    it('NFC/NFD twins already stored are kept apart and reported with their directory', async () => {
      expect((await ep(`content/twins/${enc(NFC)}`, { method: 'POST', body: 'composed' })).status).toBe(201);
      await legacyFile('twins/decomposed-placeholder', `twins/${NFD}`, 'decomposed');
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      try {
        const twins = await t.app.get(NameTwinsReport).report();
        expect(twins).toEqual([{ directory: 'names', paths: [`twins/${NFC}`, `twins/${NFD}`] }]);
        const logged = warn.mock.calls.map((c) => String(c[0])).join('\n');
        expect(logged).toContain('differ only by Unicode normalisation');
        expect(logged).toContain(`names: "twins/${NFC}" | "twins/${NFD}"`);
      } finally {
        warn.mockRestore();
      }
      // Both stay readable, each by its own form.
      expect(await (await ep(`content/twins/${enc(NFC)}`)).text()).toBe('composed');
      expect(await (await ep(`content/twins/${enc(NFD)}`)).text()).toBe('composed');
      expect(await listing('twins')).toHaveLength(2);
    });
  });

  describe('archive checks over HTTP', () => {
    it('a zip entry with a wrong CRC-32 fails the import whole: 400, nothing written', async () => {
      const zip = await storedZip({ 'first.txt': 'first', 'second.txt': 'hello world' });
      const at = zip.indexOf('hello world');
      zip.write('HELLO', at);
      const res = await ep('import/crc', { method: 'POST', body: zip });
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/entry "second\.txt" is corrupt \(its CRC-32 does not match/);
      expect((await ep('metadata/crc')).status).toBe(404);
      expect((await ep('content/crc/first.txt')).status).toBe(404);
    });

    it('an entry name that is not UTF-8 is refused with 400', async () => {
      const zip = await storedZip({ 'xyz.txt': 'x' });
      // Raw bytes "x\xffz.txt" in both headers; yazl sets the UTF-8 flag.
      let from = 0;
      for (;;) {
        const at = zip.indexOf('xyz.txt', from);
        if (at < 0) break;
        zip[at + 1] = 0xff;
        from = at + 1;
      }
      const res = await ep('import/utf', { method: 'POST', body: zip });
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/the name is not valid UTF-8/);
      expect((await ep('metadata/utf')).status).toBe(404);
    });
  });

  describe('batched import', () => {
    const N = 300;
    const name = (i: number) => `d${i % 7}/sub${i % 3}/file-${i}.txt`;
    const body = (i: number, round: string) => `${round} entry ${i}\n`;
    const zipRound = (round: string) => {
      const entries: Record<string, string | null> = { 'empty-folder/': null };
      for (let i = 0; i < N; i++) entries[name(i)] = body(i, round);
      return zipOf(entries);
    };

    it('creates every entry and folder, then skips or overwrites them all, with the right bytes and hashes', async () => {
      let res = await ep('import/bulk', { method: 'POST', body: await zipRound('one') });
      expect(await res.json()).toEqual({ created: N, overwritten: 0, skipped: 0 });
      const items = (await (await ep('dir/bulk?recursive=true')).json()) as { type: string; sha256?: string }[];
      expect(items.filter((i) => i.type === 'dir')).toHaveLength(1 + 7 + 7 * 3);
      expect(items.filter((i) => i.type !== 'dir')).toHaveLength(N);
      for (const i of [0, 1, 150, N - 1]) {
        const meta = await (await ep(`metadata/bulk/${name(i)}`)).json();
        expect(meta.sha256).toBe(createHash('sha256').update(body(i, 'one')).digest('hex'));
        expect(meta.size).toBe(Buffer.byteLength(body(i, 'one')));
        expect(await (await ep(`content/bulk/${name(i)}`)).text()).toBe(body(i, 'one'));
      }

      res = await ep('import/bulk', { method: 'POST', body: await zipRound('two') });
      expect(await res.json()).toEqual({ created: 0, overwritten: 0, skipped: N });
      expect(await (await ep(`content/bulk/${name(7)}`)).text()).toBe(body(7, 'one'));

      await ep(`content/bulk/${name(5)}`, { method: 'DELETE' });
      res = await ep('import/bulk?overwrite=true', { method: 'POST', body: await zipRound('three') });
      expect(await res.json()).toEqual({ created: 1, overwritten: N - 1, skipped: 0 });
      for (const i of [0, 5, 299]) {
        expect(await (await ep(`content/bulk/${name(i)}`)).text()).toBe(body(i, 'three'));
        const meta = await (await ep(`metadata/bulk/${name(i)}`)).json();
        expect(meta.sha1).toBe(createHash('sha1').update(body(i, 'three')).digest('hex'));
      }
      const files = ((await (await ep('dir/bulk?recursive=true')).json()) as { type: string }[]).filter(
        (i) => i.type !== 'dir',
      );
      expect(files).toHaveLength(N);
    });

    it('a file in the way of an archive folder still fails the whole import', async () => {
      await ep('content/clash/d0', { method: 'POST', body: 'a file' });
      const res = await ep('import/clash', { method: 'POST', body: await zipOf({ 'd0/x.txt': 'x', 'y.txt': 'y' }) });
      expect(res.status).toBe(400);
      expect(await listing('clash')).toEqual(['clash/d0']);
    });
  });
});
