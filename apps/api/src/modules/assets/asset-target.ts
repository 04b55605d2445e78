import { AssetPathError, checkNewName, ErrorCode } from '@stockroom/contracts';
import { AppError } from '../../common/errors/app-error';
import type { FeedEntity } from '../feeds/feed.entity';
import type { ItemPath } from './assets.repository';

/** A resolved request target: the directory and the item path in it. */
export interface AssetTarget {
  feed: FeedEntity;
  path: ItemPath;
}

export function itemPath(segments: string[]): ItemPath {
  const path = segments.join('/');
  return {
    segments,
    path,
    lower: path.toLowerCase(),
    name: segments[segments.length - 1] ?? '',
    parentLower: segments.slice(0, -1).join('/').toLowerCase(),
  };
}

/**
 * Refuses (400) a name that is about to come into being and breaks the rules for new names (spec §1
 * [ext]): `existing` holds the lower-cased paths already there, whose names are kept as they are.
 */
export function requireNewName(item: { name: string; lower: string }, existing: ReadonlySet<string>): void {
  if (existing.has(item.lower)) return;
  try {
    checkNewName(item.name);
  } catch (e) {
    if (e instanceof AssetPathError) throw new AppError(ErrorCode.InvalidPath, e.message);
    throw e;
  }
}

/** {@link requireNewName} for a path and each of its ancestor folders. */
export function requireNewNames(path: ItemPath, existing: ReadonlySet<string>): void {
  for (let i = 1; i <= path.segments.length; i++) requireNewName(itemPath(path.segments.slice(0, i)), existing);
}
