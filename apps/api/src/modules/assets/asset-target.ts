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
