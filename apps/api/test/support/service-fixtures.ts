import { createHash } from 'node:crypto';
import type { AssetsRepository, ItemPath, NewFileContent } from '../../src/modules/assets/assets.repository';
import type { Tx } from '../../src/database/unit-of-work';

/** An item path at the root or below (folders must exist: see {@link addFile}). */
export function itemPath(path: string): ItemPath {
  const segments = path.split('/');
  return {
    segments,
    path,
    lower: path.toLowerCase(),
    name: segments[segments.length - 1],
    parentLower: segments.slice(0, -1).join('/').toLowerCase(),
  };
}

/** File content facts for `bytes` stored under `blobKey`. */
export function contentOf(blobKey: string, bytes: Buffer): NewFileContent {
  const h = (a: string) => createHash(a).update(bytes).digest('hex');
  return {
    blobKey,
    size: bytes.length,
    mediaType: 'application/octet-stream',
    hashes: { md5: h('md5'), sha1: h('sha1'), sha256: h('sha256'), sha512: h('sha512') },
  };
}

/** Adds a file row (and its folders) in `tx`; the blob is the caller's to write. */
export async function addFile(
  items: AssetsRepository,
  tx: Tx,
  feedId: number,
  path: string,
  blobKey: string,
  bytes: Buffer,
): Promise<void> {
  const p = itemPath(path);
  await items.ensureFolders(tx, feedId, p.segments.slice(0, -1), new Date());
  if (!(await items.insertFile(tx, feedId, p, contentOf(blobKey, bytes), new Date())))
    throw new Error(`${path} exists`);
}
