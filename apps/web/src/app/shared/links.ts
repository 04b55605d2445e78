import type { UrlMatchResult, UrlSegment } from '@angular/router';
import { UrlSegment as Segment } from '@angular/router';

/**
 * Deep links name the directory and the path: `/feeds/{feed}/{area}/{folder}/{…}/{name}`, one URL
 * segment per path segment, so a reload lands in the same place and the back button walks folders.
 */
export type FeedArea = 'browse' | 'files';

export function browseLink(feed: string, folder = ''): string[] {
  return ['/feeds', feed, 'browse', ...splitPath(folder)];
}

export function fileLink(feed: string, path: string): string[] {
  return ['/feeds', feed, 'files', ...splitPath(path)];
}

export function manageLink(
  feed: string,
  tab?: 'settings' | 'storage' | 'connector' | 'retention' | 'permissions' | 'shares' | 'webhooks',
): string[] {
  return tab ? ['/feeds', feed, 'manage', tab] : ['/feeds', feed, 'manage'];
}

/** `a/b/c` → `['a', 'b', 'c']`; empty segments dropped. */
export function splitPath(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

/** The parent folder of `a/b/c` is `a/b`; of `c` it is ``. */
export function parentOf(path: string): string {
  const segments = splitPath(path);
  return segments.slice(0, -1).join('/');
}

/** Encodes each segment of a path for a URL (`/endpoints/…` links); slashes stay. */
export function encodePath(path: string): string {
  return splitPath(path).map(encodeURIComponent).join('/');
}

/** `/endpoints/{feed}/content/{path}`: the download URL of a file. */
export function contentUrl(feed: string, path: string): string {
  return `/endpoints/${encodeURIComponent(feed)}/content/${encodePath(path)}`;
}

/**
 * Route matcher for `feeds/:feed/{area}/**`: binds `feed` and `path` (the rest, joined by `/`) as
 * route params, so components receive them as inputs.
 */
export function feedAreaMatcher(area: FeedArea) {
  return (segments: UrlSegment[]): UrlMatchResult | null => {
    if (segments.length < 3 || segments[0].path !== 'feeds' || segments[2].path !== area) return null;
    return {
      consumed: segments,
      posParams: {
        feed: segments[1],
        path: new Segment(
          segments
            .slice(3)
            .map((s) => s.path)
            .join('/'),
          {},
        ),
      },
    };
  };
}
