import { compilePathPattern } from './path-pattern';
import type { RetentionRule } from './retention-rule';

export interface RetentionFile {
  id: string;
  path: string;
  /** lower-cased parent folder path, '' at root */
  parentLower: string;
  size: number;
  createdAt: Date;
  modifiedAt: Date;
  downloadCount: number;
  lastDownloadedAt: Date | null;
  blobKey: string | null;
}

export interface RetentionCandidate {
  file: RetentionFile;
  /** 1-based */
  rule: number;
  reason: string;
}

export interface RetentionResult {
  /** Sorted by path (case-insensitive, then exact). */
  candidates: RetentionCandidate[];
  /** Totals of the candidates. */
  files: number;
  bytes: number;
  /** Totals of every file added. */
  scannedFiles: number;
  scannedBytes: number;
  perRule: { rule: number; files: number; bytes: number }[];
}

const DAY_MS = 86_400_000;

/** The n newest matching files of the current folder: a min-heap whose root is the n-th newest. */
class NewestFiles {
  private readonly times: number[] = [];
  private readonly paths: string[] = [];
  /** Matching files seen in the current folder. */
  matched = 0;

  constructor(readonly limit: number) {}

  add(time: number, path: string): void {
    this.matched++;
    const { times, paths } = this;
    if (times.length < this.limit) {
      times.push(time);
      paths.push(path);
      this.up(times.length - 1);
    } else if (isNewer(time, path, times[0], paths[0])) {
      times[0] = time;
      paths[0] = path;
      this.down(0);
    }
  }

  /** Whether the file is one of the kept newest (it must have been added). */
  keeps(time: number, path: string): boolean {
    return this.times.length < this.limit || !isNewer(this.times[0], this.paths[0], time, path);
  }

  /** Modification time of the n-th newest. */
  get nth(): number {
    return this.times[0];
  }

  reset(): void {
    this.times.length = 0;
    this.paths.length = 0;
    this.matched = 0;
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!isNewer(this.times[parent], this.paths[parent], this.times[i], this.paths[i])) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    const n = this.times.length;
    for (;;) {
      let oldest = i;
      const left = 2 * i + 1;
      if (left < n && isNewer(this.times[oldest], this.paths[oldest], this.times[left], this.paths[left]))
        oldest = left;
      const right = left + 1;
      if (right < n && isNewer(this.times[oldest], this.paths[oldest], this.times[right], this.paths[right]))
        oldest = right;
      if (oldest === i) return;
      this.swap(i, oldest);
      i = oldest;
    }
  }

  private swap(a: number, b: number): void {
    const time = this.times[a];
    this.times[a] = this.times[b];
    this.times[b] = time;
    const path = this.paths[a];
    this.paths[a] = this.paths[b];
    this.paths[b] = path;
  }
}

/** Newest first: later modification, then path ascending. */
function isNewer(timeA: number, pathA: string, timeB: number, pathB: string): boolean {
  return timeA !== timeB ? timeA > timeB : comparePaths(pathA, pathB) < 0;
}

/** Case-insensitive, then exact: the order listings show. */
function comparePaths(a: string, b: string): number {
  if (a === b) return 0;
  // ASCII fast path without allocating: sorting a million same-day files compares paths a lot.
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 128 || y >= 128) break;
    if (x >= 65 && x <= 90) x += 32;
    if (y >= 65 && y <= 90) y += 32;
    if (x !== y) return x - y;
  }
  const lowerA = a.toLowerCase();
  const lowerB = b.toLowerCase();
  if (lowerA !== lowerB) return lowerA < lowerB ? -1 : 1;
  return a < b ? -1 : 1;
}

interface CompiledRule {
  /** 1-based, as users number them. */
  number: number;
  rule: RetentionRule;
  deletes: ((path: string) => boolean)[];
  keeps: ((path: string) => boolean)[];
  modifiedBefore: number;
  usedBefore: number;
  maxDownloads: number;
  newest: NewestFiles | undefined;
  quotaBytes: number | undefined;
  /** Running size of the files the quota counts (all, or exclusive: the matching ones). */
  measured: number;
  /** The measure when the rule's selection began (after earlier rules), for reasons. */
  measureAtStart: number;
}

/** What the rule's keepLatestCount saw in the file's folder. */
interface FolderFacts {
  matched: number;
  nth: number;
}

/** A file eligible for at least one rule. */
interface Entry {
  file: RetentionFile;
  lastUsed: number;
  /** Indexes of the rules it is eligible for, ascending. */
  rules: number[];
  /** Per keepLatestCount rule index: the folder facts, once the folder is complete. */
  folders: Map<number, FolderFacts> | undefined;
  /** Index of the rule that selected it, -1 while none. */
  selectedBy: number;
}

/**
 * Applies retention rules to a directory's files streamed through {@link add}: a file is deleted
 * when any rule selects it, and each candidate carries its first selecting rule and a reason with
 * the facts. Only files eligible for some rule stay in memory.
 */
export class RetentionEvaluator {
  private readonly rules: CompiledRule[];
  private readonly latestRules: CompiledRule[];
  private readonly entries: Entry[] = [];
  /** Eligible files of the current folder waiting for its keepLatestCount ranking. */
  private pending: Entry[] = [];
  private folder: string | undefined;
  private readonly doneFolders = new Set<string>();
  private scannedFiles = 0;
  private scannedBytes = 0;
  private result: RetentionResult | undefined;

  constructor(rules: RetentionRule[], now: Date) {
    const nowMs = now.getTime();
    this.rules = rules.map((rule, i) => ({
      number: i + 1,
      rule,
      deletes: (rule.deletePackageIds ?? []).map(compilePathPattern),
      keeps: (rule.keepPackageIds ?? []).map(compilePathPattern),
      modifiedBefore: rule.deleteOlderThanDays === undefined ? Infinity : nowMs - rule.deleteOlderThanDays * DAY_MS,
      usedBefore: rule.keepUsedWithinDays === undefined ? Infinity : nowMs - rule.keepUsedWithinDays * DAY_MS,
      maxDownloads: rule.triggerDownloadCount ?? Infinity,
      newest: rule.keepLatestCount === undefined ? undefined : new NewestFiles(rule.keepLatestCount),
      quotaBytes: rule.sizeTriggerKb === undefined ? undefined : rule.sizeTriggerKb * 1024,
      measured: 0,
      measureAtStart: 0,
    }));
    this.latestRules = this.rules.filter((r) => r.newest);
  }

  /** Files arrive grouped by folder (all files with the same parentLower are consecutive), in any order inside a folder. */
  add(file: RetentionFile): void {
    if (this.result) throw new Error('RetentionEvaluator.add after finish');
    this.scannedFiles++;
    this.scannedBytes += file.size;
    if (file.parentLower !== this.folder) this.startFolder(file.parentLower);

    const modified = file.modifiedAt.getTime();
    const downloaded = file.lastDownloadedAt?.getTime() ?? -Infinity;
    const lastUsed = downloaded > modified ? downloaded : modified;
    let eligible: number[] | undefined;
    let waitsForFolder = false;
    for (let i = 0; i < this.rules.length; i++) {
      const r = this.rules[i];
      const matches = patternMatch(r, file.path);
      if (r.quotaBytes !== undefined && (matches || !r.rule.sizeExclusive)) r.measured += file.size;
      if (!matches) continue;
      r.newest?.add(modified, file.path);
      if (modified >= r.modifiedBefore || lastUsed >= r.usedBefore || file.downloadCount > r.maxDownloads) continue;
      (eligible ??= []).push(i);
      if (r.newest) waitsForFolder = true;
    }
    if (!eligible) return;
    const entry: Entry = { file, lastUsed, rules: eligible, folders: undefined, selectedBy: -1 };
    (waitsForFolder ? this.pending : this.entries).push(entry);
  }

  finish(): RetentionResult {
    // Selecting twice would count this evaluation's own choices as earlier rules'.
    if (this.result) return this.result;
    this.closeFolder();
    this.select();

    const perRule = this.rules.map((r) => ({ rule: r.number, files: 0, bytes: 0 }));
    const selected = this.entries.filter((e) => e.selectedBy >= 0);
    // Lower-cased once per candidate rather than in every comparison.
    const keyed = selected.map((e) => ({ e, lower: e.file.path.toLowerCase() }));
    keyed.sort((a, b) => {
      if (a.lower !== b.lower) return a.lower < b.lower ? -1 : 1;
      return a.e.file.path === b.e.file.path ? 0 : a.e.file.path < b.e.file.path ? -1 : 1;
    });
    let bytes = 0;
    const candidates = keyed.map(({ e }) => {
      perRule[e.selectedBy].files++;
      perRule[e.selectedBy].bytes += e.file.size;
      bytes += e.file.size;
      return { file: e.file, rule: e.selectedBy + 1, reason: this.reason(e) };
    });
    this.result = {
      candidates,
      files: candidates.length,
      bytes,
      scannedFiles: this.scannedFiles,
      scannedBytes: this.scannedBytes,
      perRule,
    };
    return this.result;
  }

  private startFolder(folder: string): void {
    if (this.folder !== undefined) this.closeFolder();
    // keepLatestCount ranks a folder once; a folder that came back would be ranked in halves.
    if (this.latestRules.length > 0) {
      if (this.doneFolders.has(folder))
        throw new Error(`RetentionEvaluator: files of folder "${folder}" arrived after another folder`);
      this.doneFolders.add(folder);
    }
    this.folder = folder;
  }

  /** Ranks the folder's files for each keepLatestCount rule and releases the ones it keeps. */
  private closeFolder(): void {
    if (this.latestRules.length === 0) return;
    const facts = new Map<number, FolderFacts>();
    for (const entry of this.pending) {
      const time = entry.file.modifiedAt.getTime();
      entry.rules = entry.rules.filter((i) => {
        const newest = this.rules[i].newest;
        if (!newest) return true;
        if (newest.keeps(time, entry.file.path)) return false;
        let fact = facts.get(i);
        if (!fact) facts.set(i, (fact = { matched: newest.matched, nth: newest.nth }));
        (entry.folders ??= new Map()).set(i, fact);
        return true;
      });
      if (entry.rules.length > 0) this.entries.push(entry);
    }
    this.pending = [];
    for (const r of this.latestRules) r.newest?.reset();
  }

  /** Rules in order: each selects its eligible files not selected earlier; a quota rule only until under quota. */
  private select(): void {
    this.rules.forEach((r, i) => {
      const available = this.entries.filter((e) => e.selectedBy < 0 && e.rules.includes(i));
      if (r.quotaBytes === undefined) {
        for (const e of available) e.selectedBy = i;
        return;
      }
      let measure = r.measured;
      for (const e of this.entries)
        if (e.selectedBy >= 0 && (!r.rule.sizeExclusive || patternMatch(r, e.file.path))) measure -= e.file.size;
      r.measureAtStart = measure;
      if (measure <= r.quotaBytes) return;
      const quota = r.quotaBytes;
      visitInOrder(available, usedEarlier, (e) => {
        e.selectedBy = i;
        measure -= e.file.size;
        return measure > quota;
      });
    });
  }

  private reason(e: Entry): string {
    const r = this.rules[e.selectedBy];
    const { rule } = r;
    const { file } = e;
    const facts: string[] = [];
    if (r.deletes.length > 0) {
      const matched = rule.deletePackageIds?.find((_, i) => r.deletes[i](file.path));
      facts.push(`matches ${JSON.stringify(matched)}`);
    }
    if (rule.keepPackageIds) facts.push(`matches none of the kept patterns (${quoteSome(rule.keepPackageIds)})`);
    if (rule.deleteOlderThanDays !== undefined)
      facts.push(`last modified ${day(file.modifiedAt.getTime())}, more than ${days(rule.deleteOlderThanDays)} ago`);
    if (rule.keepUsedWithinDays !== undefined) {
      const downloaded = file.lastDownloadedAt
        ? `last downloaded ${day(file.lastDownloadedAt.getTime())}`
        : 'never downloaded';
      const modified =
        rule.deleteOlderThanDays === undefined ? `, last modified ${day(file.modifiedAt.getTime())}` : '';
      facts.push(
        `last used ${day(e.lastUsed)} (${downloaded}${modified}): ` +
          `no download or change within ${days(rule.keepUsedWithinDays)}`,
      );
    }
    if (rule.triggerDownloadCount !== undefined)
      facts.push(`downloaded ${times(file.downloadCount)} (at most ${rule.triggerDownloadCount})`);
    const folder = e.folders?.get(e.selectedBy);
    const n = rule.keepLatestCount;
    if (n !== undefined && folder) {
      // The folder as the user spells it (parentLower is lower-cased).
      const slash = file.path.lastIndexOf('/');
      const where = slash < 0 ? 'the top folder' : JSON.stringify(file.path.slice(0, slash));
      facts.push(
        n === 1
          ? `not the newest of the ${folder.matched} matching files in ${where} ` +
              `(the newest, kept, was modified ${day(folder.nth)})`
          : `not among the ${n} newest of the ${folder.matched} matching files in ${where} ` +
              `(kept; the ${ordinal(n)} newest was modified ${day(folder.nth)})`,
      );
    }
    if (r.quotaBytes !== undefined) {
      const holder = rule.sizeExclusive ? 'the files this rule matches hold' : 'the directory holds';
      const after = e.selectedBy > 0 ? ' (not counting files of earlier rules)' : '';
      const lastUsed = rule.keepUsedWithinDays === undefined ? ` (this one last used ${day(e.lastUsed)})` : '';
      facts.push(
        `${holder} ${sizeAgainst(r.measureAtStart, r.quotaBytes)}${after}, over the quota of ` +
          `${formatBytes(r.quotaBytes)}: least recently used files are deleted first until it fits${lastUsed}`,
      );
    }
    return `Rule ${r.number}: ${facts.join('; ')}.`;
  }
}

function usedEarlier(a: Entry, b: Entry): boolean {
  return a.lastUsed !== b.lastUsed ? a.lastUsed < b.lastUsed : comparePaths(a.file.path, b.file.path) < 0;
}

/**
 * Visits items smallest first while visit returns true. A heap rather than a sort: a quota usually
 * needs a small part of the eligible files, and sorting a million of them costs a second.
 */
function visitInOrder<T>(items: T[], less: (a: T, b: T) => boolean, visit: (item: T) => boolean): void {
  let n = items.length;
  const siftDown = (i: number) => {
    for (;;) {
      let least = i;
      const left = 2 * i + 1;
      if (left < n && less(items[left], items[least])) least = left;
      if (left + 1 < n && less(items[left + 1], items[least])) least = left + 1;
      if (least === i) return;
      const item = items[i];
      items[i] = items[least];
      items[least] = item;
      i = least;
    }
  };
  for (let i = (n >> 1) - 1; i >= 0; i--) siftDown(i);
  while (n > 0) {
    if (!visit(items[0])) return;
    items[0] = items[--n];
    siftDown(0);
  }
}

function patternMatch(r: CompiledRule, path: string): boolean {
  if (r.deletes.length > 0 && !r.deletes.some((m) => m(path))) return false;
  return !r.keeps.some((m) => m(path));
}

const dayCache = new Map<number, string>();

/** YYYY-MM-DD in UTC; cached, as a hundred thousand reasons mention a few hundred days. */
function day(time: number): string {
  const key = Math.floor(time / DAY_MS);
  let text = dayCache.get(key);
  if (text === undefined) {
    text = new Date(key * DAY_MS).toISOString().slice(0, 10);
    if (dayCache.size >= 100_000) dayCache.clear();
    dayCache.set(key, text);
  }
  return text;
}

const days = (n: number) => (n === 1 ? '1 day' : `${n} days`);
const times = (n: number) => (n === 1 ? '1 time' : `${n} times`);

function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

function quoteSome(patterns: string[]): string {
  const shown = patterns.slice(0, 3).map((p) => JSON.stringify(p));
  return patterns.length > 3 ? `${shown.join(', ')} and ${patterns.length - 3} more` : shown.join(', ');
}

/** The measure, exact in bytes when rounding would make it look equal to the quota. */
function sizeAgainst(measure: number, quota: number): string {
  const text = formatBytes(measure);
  return text === formatBytes(quota) ? `${measure.toLocaleString('en-US')} bytes` : text;
}

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/**
 * Binary units with one decimal (1.5 MiB). Hand-written: the only size formatter in node_modules
 * (`bytes`, transitive) prints binary sizes as "MB", which would contradict the KiB quota.
 */
function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const rounded = Math.round(value * 10) / 10;
  return `${Number.isInteger(rounded) ? rounded.toFixed(0) : rounded.toFixed(1)} ${UNITS[unit]}`;
}
