import { ErrorCode, Privilege } from '@stockroom/contracts';
import { createHash, randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ADMIN_KEY, createServiceModule, ServiceModule } from '../../../test/support/service-module';
import type { Principal } from '../../common/auth/principal';
import type { FeedEntity } from '../feeds/feed.entity';
import { FeedsService } from '../feeds/feeds.service';
import { StorageService } from '../storage/storage.service';
import { AssetDownloadService } from './asset-download.service';
import { AssetTarget, itemPath } from './asset-target';
import { AssetUploadService, MultipartPart } from './asset-upload.service';
import { AssetsRepository } from './assets.repository';
import { MultipartRepository } from './multipart.repository';

const hashesOf = (bytes: Buffer) => {
  const h = (a: string) => createHash(a).update(bytes).digest('hex');
  return { size: String(bytes.length), md5: h('md5'), sha1: h('sha1'), sha256: h('sha256'), sha512: h('sha512') };
};

/** Every file under a directory, recursively (none if it does not exist). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/**
 * Single and chunked uploads on the service itself, on a real PostgreSQL and disk storage (no
 * HTTP): what ends up as rows and bytes, and which requests are refused with which code.
 */
describe('AssetUploadService (PostgreSQL)', () => {
  let s: ServiceModule;
  let uploads: AssetUploadService;
  let items: AssetsRepository;
  let feeds: FeedsService;

  beforeAll(async () => {
    s = await createServiceModule();
    uploads = s.module.get(AssetUploadService);
    items = s.module.get(AssetsRepository);
    feeds = s.module.get(FeedsService);
  });
  afterAll(() => s?.close());

  const newFeed = async (): Promise<FeedEntity> => {
    const name = `upload-${randomUUID().slice(0, 8)}`;
    await feeds.create(ADMIN_KEY, { name, feedType: 'asset' });
    return feeds.requireFor(ADMIN_KEY, Privilege.View, name);
  };
  const at = (feed: FeedEntity, path: string): AssetTarget => ({ feed, path: itemPath(path.split('/')) });
  const body = (bytes: Buffer) => ({ body: Readable.from([bytes]), contentLength: bytes.length });
  const blobDir = (feed: FeedEntity) => s.module.get(StorageService).defaultDiskPath(feed.id);
  /** A feed API key with ProGet's view + add: may add files, not overwrite them (a new object per call). */
  const publishKey = (feed: FeedEntity): Principal => ({
    kind: 'api-key',
    name: 'publisher',
    key: { id: 1, grant: { type: 'feed', feedId: feed.id, permissions: ['view', 'add'] } },
    credential: 'api-key',
    address: '127.0.0.1',
  });
  const readBack = async (target: AssetTarget): Promise<Buffer> => {
    const download = await s.module.get(AssetDownloadService).resolve(ADMIN_KEY, target, {
      head: false,
      attachment: false,
    });
    const chunks: Buffer[] = [];
    for await (const chunk of await download.open()) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  };

  it('a single upload creates the file (and its folders) with its size and hashes; the bytes read back', async () => {
    const feed = await newFeed();
    const bytes = Buffer.from('hello, asset directory\n'.repeat(1000));
    await uploads.upload(ADMIN_KEY, at(feed, 'docs/v1/hello.txt'), 'upsert', body(bytes));

    expect(await items.find(feed.id, 'docs/v1/hello.txt')).toMatchObject({
      kind: 'file',
      name: 'hello.txt',
      ...hashesOf(bytes),
    });
    expect(await items.find(feed.id, 'docs/v1')).toMatchObject({ kind: 'dir' });
    expect(await readBack(at(feed, 'docs/v1/hello.txt'))).toEqual(bytes);
    expect(await filesUnder(blobDir(feed))).toHaveLength(1);
  });

  it('create-only refuses an existing file, overwrite-only a missing one; upsert replaces the content', async () => {
    const feed = await newFeed();
    const first = Buffer.from('first version');
    const second = Buffer.from('the second, longer version');
    await uploads.upload(ADMIN_KEY, at(feed, 'a.bin'), 'create', body(first));

    await expect(uploads.upload(ADMIN_KEY, at(feed, 'A.BIN'), 'create', body(second))).rejects.toMatchObject({
      code: ErrorCode.AlreadyExists,
    });
    await expect(uploads.upload(ADMIN_KEY, at(feed, 'missing.bin'), 'overwrite', body(second))).rejects.toMatchObject({
      code: ErrorCode.NotFound,
    });
    expect(await items.find(feed.id, 'missing.bin')).toBeNull();
    expect(await items.find(feed.id, 'a.bin')).toMatchObject(hashesOf(first));

    await uploads.upload(ADMIN_KEY, at(feed, 'a.bin'), 'overwrite', body(second));
    expect(await items.find(feed.id, 'a.bin')).toMatchObject(hashesOf(second));
    expect(await readBack(at(feed, 'a.bin'))).toEqual(second);
  });

  it('a Publish-like caller may add a file but not overwrite one (Forbidden, content kept)', async () => {
    const feed = await newFeed();
    const original = Buffer.from('original');
    await uploads.upload(publishKey(feed), at(feed, 'pub.bin'), 'upsert', body(original));
    expect(await items.find(feed.id, 'pub.bin')).toMatchObject(hashesOf(original));

    for (const mode of ['upsert', 'overwrite'] as const) {
      await expect(
        uploads.upload(publishKey(feed), at(feed, 'pub.bin'), mode, body(Buffer.from('replaced'))),
      ).rejects.toMatchObject({ code: ErrorCode.Forbidden });
    }
    expect(await items.find(feed.id, 'pub.bin')).toMatchObject(hashesOf(original));
    expect(await readBack(at(feed, 'pub.bin'))).toEqual(original);
    // Its key is for this directory only: another one is hidden from it.
    const other = await newFeed();
    await expect(uploads.upload(publishKey(feed), at(other, 'x.bin'), 'upsert', body(original))).rejects.toMatchObject({
      code: ErrorCode.FeedNotFound,
    });
  });

  it('a body that fails half-way leaves no file, no folder and no blob', async () => {
    const feed = await newFeed();
    const failing = Readable.from(
      (async function* () {
        yield Buffer.alloc(64 * 1024, 1);
        yield Buffer.alloc(64 * 1024, 2);
        throw new Error('connection reset by peer');
      })(),
    );
    await expect(uploads.upload(ADMIN_KEY, at(feed, 'dir/broken.bin'), 'upsert', { body: failing })).rejects.toThrow();
    expect(await items.find(feed.id, 'dir/broken.bin')).toBeNull();
    expect(await items.find(feed.id, 'dir')).toBeNull();
    expect(await filesUnder(blobDir(feed))).toEqual([]);
  });

  describe('chunked uploads', () => {
    const total = Buffer.from('0123456789abcdefghijKLMNO'); // 25 bytes: parts of 10, 10 and 5
    const partOf = (id: string, index: number, bytes: Buffer = total): [MultipartPart, Buffer] => {
      const offset = index * 10;
      const slice = bytes.subarray(offset, Math.min(offset + 10, bytes.length));
      return [{ id, index, offset, totalSize: bytes.length, partSize: slice.length, totalParts: 3 }, slice];
    };
    const send = (target: AssetTarget, [part, bytes]: [MultipartPart, Buffer]) =>
      uploads.uploadPart(ADMIN_KEY, target, part, body(bytes));

    it('parts out of order; status lists what arrived; a missing part or a changed totalSize is refused', async () => {
      const feed = await newFeed();
      const target = at(feed, 'big/file.bin');
      await send(target, partOf('u1', 2));
      await send(target, partOf('u1', 0));
      expect(await uploads.multipartStatus(ADMIN_KEY, target, 'u1')).toEqual({
        id: 'u1',
        totalSize: 25,
        totalParts: 3,
        received: [0, 2],
      });

      const [part1, bytes1] = partOf('u1', 1);
      await expect(
        uploads.uploadPart(ADMIN_KEY, target, { ...part1, totalSize: 26 }, body(bytes1)),
      ).rejects.toMatchObject({ code: ErrorCode.InvalidMultipart });
      await expect(uploads.completeMultipart(ADMIN_KEY, target, 'u1')).rejects.toMatchObject({
        code: ErrorCode.InvalidMultipart,
      });
      expect(await items.find(feed.id, 'big/file.bin')).toBeNull();
      expect((await uploads.multipartStatus(ADMIN_KEY, target, 'u1')).received).toEqual([0, 2]);
    });

    it('a re-sent part replaces the first one; complete assembles the bytes with the right hashes', async () => {
      const feed = await newFeed();
      const target = at(feed, 'big/file.bin');
      const wrong = Buffer.from('XXXXXXXXXXabcdefghijKLMNO');
      await send(target, partOf('u2', 0, wrong));
      await send(target, partOf('u2', 1));
      await send(target, partOf('u2', 2));
      await send(target, partOf('u2', 0)); // the right bytes, sent again
      expect((await uploads.multipartStatus(ADMIN_KEY, target, 'u2')).received).toEqual([0, 1, 2]);

      await uploads.completeMultipart(ADMIN_KEY, target, 'u2');
      expect(await items.find(feed.id, 'big/file.bin')).toMatchObject({ kind: 'file', ...hashesOf(total) });
      expect(await readBack(target)).toEqual(total);
      expect(await s.module.get(MultipartRepository).find(feed.id, 'u2')).toBeNull();
      await expect(uploads.multipartStatus(ADMIN_KEY, target, 'u2')).rejects.toMatchObject({
        code: ErrorCode.NotFound,
      });
    });

    it('abort drops the upload and its parts: no status, nothing to complete, no file', async () => {
      const feed = await newFeed();
      const target = at(feed, 'gone.bin');
      await send(target, partOf('u3', 0));
      await send(target, partOf('u3', 1));
      await uploads.abortMultipart(ADMIN_KEY, target, 'u3');

      expect(await s.module.get(MultipartRepository).find(feed.id, 'u3')).toBeNull();
      await expect(uploads.multipartStatus(ADMIN_KEY, target, 'u3')).rejects.toMatchObject({
        code: ErrorCode.NotFound,
      });
      await expect(uploads.completeMultipart(ADMIN_KEY, target, 'u3')).rejects.toMatchObject({
        code: ErrorCode.InvalidMultipart,
      });
      await expect(uploads.abortMultipart(ADMIN_KEY, target, 'u3')).rejects.toMatchObject({
        code: ErrorCode.NotFound,
      });
      expect(await items.find(feed.id, 'gone.bin')).toBeNull();
      expect(await filesUnder(blobDir(feed))).toEqual([]);
    });
  });
});
