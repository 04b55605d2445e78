import type { AssetItem } from '@stockroom/contracts';

/** What the listing shows of an item: small, so 100,000 rows stay light (no hashes). */
export interface Entry {
  name: string;
  /** The item's path in the directory (`a/b/name`). */
  path: string;
  /** Lower-case path: identity (paths are case-insensitive), selection and tracking key. */
  key: string;
  /** Lower-case name: filtering and sorting. */
  lowerName: string;
  folder: boolean;
  /** Bytes; undefined for a folder. */
  size: number | undefined;
  /** Media type of a file; `"dir"` for a folder. */
  type: string;
  /** ISO-8601 UTC. */
  modified: string;
  kind: EntryKind;
}

export type EntryKind = 'folder' | 'image' | 'archive' | 'text' | 'audio' | 'video' | 'file';

export type SortColumn = 'name' | 'size' | 'type' | 'modified';

export interface SortState {
  column: SortColumn;
  direction: 'asc' | 'desc';
}

const ARCHIVE = /(zip|x-tar|gzip|x-7z|x-rar|bzip|x-xz|compressed|java-archive)/;
const TEXT = /^text\/|json|xml|yaml|javascript|x-sh/;

/** The icon of a media type. */
export function kindOf(type: string): EntryKind {
  if (type === 'dir') return 'folder';
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('audio/')) return 'audio';
  if (type.startsWith('video/')) return 'video';
  if (ARCHIVE.test(type)) return 'archive';
  if (TEXT.test(type)) return 'text';
  return 'file';
}

/** An item of `GET dir/{folder}` as a row of that folder. */
export function toEntry(item: AssetItem, folder: string): Entry {
  const path = folder ? `${folder}/${item.name}` : item.name;
  const folderItem = item.type === 'dir';
  return {
    name: item.name,
    path,
    key: path.toLowerCase(),
    lowerName: item.name.toLowerCase(),
    folder: folderItem,
    size: folderItem ? undefined : (item.size ?? 0),
    type: item.type,
    modified: item.modified,
    kind: kindOf(item.type),
  };
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/**
 * Natural order of two lower-case names (`file2` before `file10`), by UTF-16 code unit otherwise.
 * Hand-written because `Intl.Collator({numeric: true})` takes ~0.5 s for 100,000 names.
 */
export function naturalCompare(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(j);
    if (isDigit(ca) && isDigit(cb)) {
      let si = i;
      while (si < a.length && a.charCodeAt(si) === 48) si++;
      let sj = j;
      while (sj < b.length && b.charCodeAt(sj) === 48) sj++;
      let ei = si;
      while (ei < a.length && isDigit(a.charCodeAt(ei))) ei++;
      let ej = sj;
      while (ej < b.length && isDigit(b.charCodeAt(ej))) ej++;
      if (ei - si !== ej - sj) return ei - si - (ej - sj);
      for (let k = 0; k < ei - si; k++) {
        const d = a.charCodeAt(si + k) - b.charCodeAt(sj + k);
        if (d !== 0) return d;
      }
      i = ei;
      j = ej;
    } else {
      if (ca !== cb) return ca - cb;
      i++;
      j++;
    }
  }
  return a.length - i - (b.length - j);
}

function byName(a: Entry, b: Entry): number {
  return naturalCompare(a.lowerName, b.lowerName) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

const COMPARE: Record<SortColumn, (a: Entry, b: Entry) => number> = {
  name: byName,
  size: (a, b) => (a.size ?? 0) - (b.size ?? 0) || byName(a, b),
  type: (a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : byName(a, b)),
  modified: (a, b) => (a.modified < b.modified ? -1 : a.modified > b.modified ? 1 : byName(a, b)),
};

/** A sorted copy: folders first (in either direction), then by the column. */
export function sortEntries(entries: readonly Entry[], sort: SortState): Entry[] {
  const compare = COMPARE[sort.column];
  const sign = sort.direction === 'asc' ? 1 : -1;
  return [...entries].sort((a, b) => (a.folder === b.folder ? sign * compare(a, b) : a.folder ? -1 : 1));
}

/** The entries whose name contains `text`, case-insensitively (all of them for blank text). */
export function filterEntries(entries: Entry[], text: string): Entry[] {
  const needle = text.trim().toLowerCase();
  return needle ? entries.filter((e) => e.lowerName.includes(needle)) : entries;
}

/** "3 files, 1.2 MiB" / "2 folders and everything inside them": what a delete removes. */
export function describeEntries(entries: readonly Entry[], formatBytes: (n: number) => string): string[] {
  const files = entries.filter((e) => !e.folder);
  const folders = entries.length - files.length;
  const bytes = files.reduce((sum, e) => sum + (e.size ?? 0), 0);
  const lines: string[] = [];
  if (files.length) lines.push(`${files.length} ${files.length === 1 ? 'file' : 'files'}, ${formatBytes(bytes)}`);
  if (folders) lines.push(`${folders} ${folders === 1 ? 'folder' : 'folders'} and everything inside`);
  return lines;
}
