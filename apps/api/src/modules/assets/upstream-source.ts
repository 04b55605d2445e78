import type { AssetItem } from '@stockroom/contracts';
import type { Readable } from 'node:stream';
import type { FeedEntity } from '../feeds/feed.entity';
import type { ItemPath } from './assets.repository';

/** A file still arriving from an upstream (or, for a HEAD, what the upstream says of it). */
export interface LiveFile {
  /** -1: the upstream did not say. */
  size: number;
  mediaType: string;
  lastModified: Date;
  /** Its bytes as they arrive; fails (never ends) when the fetch fails. Absent for a HEAD. */
  open?(): Promise<Readable>;
  /** Resolves once the fetch is over: true when the file was stored (its download then counts). */
  stored?: Promise<boolean>;
}

/** What a directory's upstream answered for a file the directory lacks. */
export type UpstreamAnswer = { kind: 'stored' } | { kind: 'live'; file: LiveFile };

/**
 * [ext] Where a directory with a connector (issue 20) gets what it lacks. The connectors module
 * registers one (AssetDownloadService.useUpstream): the assets module stays below it, and every
 * protocol that downloads through AssetDownloadService gets the same fetch-through.
 */
export interface UpstreamSource {
  /**
   * A file the directory lacks: `stored` once it has it (fetched here or by another node: read it
   * again), `live` while its bytes stream in. Throws 404 when the upstream lacks it too, 502/504
   * when the upstream cannot be used.
   */
  missing(feed: FeedEntity, path: ItemPath, head: boolean): Promise<UpstreamAnswer>;
  /**
   * A stored file about to be served: revalidated with the upstream when its cache time is over (a
   * file the connector did not store is left alone). `reload` when its content was replaced.
   */
  present(feed: FeedEntity, path: ItemPath, sha1: string, head: boolean): Promise<'serve' | 'reload'>;
  /** `dir/{p}?upstream=true`: the upstream's folder, as item JSON with names that are safe here. */
  list(feed: FeedEntity, path: ItemPath, contentBase: string): Promise<AssetItem[]>;
}
