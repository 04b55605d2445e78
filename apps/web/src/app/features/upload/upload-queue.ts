import { DOCUMENT } from '@angular/common';
import { Injectable, InjectionToken, Injector, computed, inject, signal } from '@angular/core';
import { Subject } from 'rxjs';
import { AuthStore } from '../../core/auth/auth-store';
import { splitPath } from '../../shared/links';
import { UploadApi, UploadError, failureMessage, isTransient } from './upload-api';
import type { OverwriteChoice, OverwriteQuestion } from './overwrite-dialog';
import { type TransportResponse, abortError, isAbort } from './upload-transport';

/** A file to upload and where it goes below the target folder (`a.txt`, or `sub/dir/a.txt` for a dropped folder). */
export interface UploadEntry {
  file: File;
  relativePath: string;
}

/** A file that finished uploading: listings of that folder refresh. */
export interface UploadCompleted {
  feed: string;
  /** The file's path in the directory. */
  path: string;
}

export type UploadState = 'queued' | 'checking' | 'uploading' | 'done' | 'failed' | 'cancelled' | 'skipped';

const MiB = 1024 * 1024;

export interface UploadOptions {
  /** Files below this size go in one request; larger ones in parts (spec §4). */
  singleRequestLimit: number;
  /** Smallest part size; grows for huge files so there are never more than `maxParts`. */
  partSize: number;
  maxParts: number;
  /** Files uploading at once. */
  fileConcurrency: number;
  /** Parts of one file in flight at once. */
  partConcurrency: number;
  /** Existence checks in flight at once. */
  checkConcurrency: number;
  /** From this many files on, one recursive listing of the target folder replaces per-file checks. */
  listingThreshold: number;
  /** Pauses before each retry after a network or server failure; when they run out, the item fails. */
  retryDelays: number[];
}

export const UPLOAD_OPTIONS = new InjectionToken<UploadOptions>('UPLOAD_OPTIONS', {
  providedIn: 'root',
  factory: () => ({
    singleRequestLimit: 8 * MiB,
    // The server's S3 backend prefers parts of at least 5 MiB; pgutil uses 5 MiB.
    partSize: 8 * MiB,
    // S3 allows 10,000 parts; the server asks clients to stay below 9,000.
    maxParts: 9000,
    fileConcurrency: 3,
    // In order, one at a time: the server hashes parts that arrive in order as they come, so
    // completing even a 10 GiB file needs no re-read (parallel parts would leave that to complete).
    partConcurrency: 1,
    checkConcurrency: 6,
    listingThreshold: 20,
    retryDelays: [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000],
  }),
});

let nextItemId = 1;

/** One file of the queue. Its state and progress are signals: the panel renders them as they move. */
export class UploadItem {
  readonly id = nextItemId++;
  /** The leaf name, e.g. `a.txt`. */
  readonly name: string;
  /** The folder it goes to in the directory (`''` = root). */
  readonly folder: string;
  readonly size: number;

  readonly state = signal<UploadState>('checking');
  /** Bytes the server has (or is receiving) so far. */
  readonly sent = signal(0);
  readonly error = signal<string | undefined>(undefined);
  /** All bytes are sent; the server is assembling the file (complete). */
  readonly finishing = signal(false);
  /** Waiting to try again after a network or server failure. */
  readonly reconnecting = signal(false);
  /** The last failure was a 401: the user must sign in again before Retry. */
  readonly signedOut = signal(false);
  readonly percent = computed(() => {
    const size = this.size;
    if (size === 0) return this.state() === 'done' ? 100 : 0;
    return Math.min(100, Math.floor((this.sent() / size) * 100));
  });

  /** The existence check (and the overwrite question) is behind it. */
  checked = false;
  /** The user chose to replace an existing file. */
  overwrite = false;
  /** Chunked uploads: the client-chosen id, kept across retries so the server's parts are reused. */
  multipartId?: string;
  readonly received = new Set<number>();
  /** Network or server failures in a row (reset by any success). */
  failures = 0;
  controller?: AbortController;

  constructor(
    readonly feed: string,
    /** Where it goes in the directory, e.g. `builds/sub/a.txt`. */
    readonly path: string,
    readonly file: File,
  ) {
    const segments = splitPath(path);
    this.name = segments[segments.length - 1] ?? path;
    this.folder = segments.slice(0, -1).join('/');
    this.size = file.size;
  }

  get finished(): boolean {
    const state = this.state();
    return state === 'done' || state === 'failed' || state === 'cancelled' || state === 'skipped';
  }
}

const ACTIVE: ReadonlySet<UploadState> = new Set(['queued', 'checking', 'uploading']);

/** Joins a folder and a relative path, dropping empty segments: `('a/', 'b//c.txt')` → `a/b/c.txt`. */
export function joinPath(folder: string, relativePath: string): string {
  return [...splitPath(folder), ...splitPath(relativePath.replace(/\\/g, '/'))].join('/');
}

/** A client-chosen multipart id (spec §4: 1-100 of `A-Za-z0-9-_`). */
function newMultipartId(): string {
  const random =
    typeof crypto !== 'undefined' && 'randomUUID' in crypto
      ? crypto.randomUUID()
      : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  return `console-${random}`;
}

function ok(status: number): boolean {
  return status >= 200 && status < 300;
}

/**
 * The console's upload queue (spec §4): existence check and one overwrite question per batch,
 * a few files at once, small files in one request, large ones in parts read with `file.slice` (never
 * the whole file in memory). Network and server failures are retried with backoff (sooner when
 * the browser comes back online) and resume from the parts the server reports it has.
 */
@Injectable({ providedIn: 'root' })
export class UploadQueue {
  private readonly api = inject(UploadApi);
  private readonly auth = inject(AuthStore);
  private readonly injector = inject(Injector);
  private readonly window = inject(DOCUMENT).defaultView;
  private readonly options = inject(UPLOAD_OPTIONS);

  private readonly done = new Subject<UploadCompleted>();
  /** Emits once per file that finished uploading. */
  readonly completed = this.done.asObservable();

  private readonly list = signal<readonly UploadItem[]>([]);
  readonly items = this.list.asReadonly();
  /** Files still checking, queued or uploading. */
  readonly activeCount = computed(() => this.items().filter((i) => ACTIVE.has(i.state())).length);
  readonly finishedCount = computed(() => this.items().filter((i) => i.finished).length);
  readonly failedCount = computed(() => this.items().filter((i) => i.state() === 'failed').length);
  /** Files that count towards the overall progress (not skipped, not cancelled). */
  private readonly counted = computed(() =>
    this.items().filter((i) => i.state() !== 'skipped' && i.state() !== 'cancelled'),
  );
  readonly overall = computed(() => {
    const items = this.counted();
    let total = 0;
    let sent = 0;
    let files = 0;
    for (const item of items) {
      total += item.size;
      sent += item.state() === 'done' ? item.size : item.sent();
      if (item.state() === 'done') files++;
    }
    return {
      files,
      totalFiles: items.length,
      sent,
      total,
      percent: total === 0 ? (items.length > 0 && files === items.length ? 100 : 0) : Math.floor((sent / total) * 100),
    };
  });
  /** The user must sign in again: an upload was refused with 401. */
  readonly signedOut = computed(() => this.items().some((i) => i.signedOut()) && !this.auth.signedIn());
  /** Short news for screen readers (the panel's polite live region). */
  readonly announcement = signal('');

  private running = 0;
  /** Overwrite questions are asked one at a time, in the order the files were added. */
  private questions: Promise<unknown> = Promise.resolve();

  /** Queues files for upload into `folder` of `feed` (asking first about files that exist). */
  add(feed: string, folder: string, entries: UploadEntry[]): void {
    const batch = entries
      .map((entry) => ({ entry, path: joinPath(folder, entry.relativePath) }))
      .filter(({ path }) => path !== '')
      .map(({ entry, path }) => new UploadItem(feed, path, entry.file));
    if (batch.length === 0) return;
    this.list.update((items) => [...items, ...batch]);
    void this.prepare(feed, batch);
  }

  /** Stops a queued or running upload. */
  cancel(item: UploadItem): void {
    if (!ACTIVE.has(item.state())) return;
    item.state.set('cancelled');
    item.error.set(undefined);
    // The part requests stop at once, and the parts already stored are dropped ([ext] abort). If
    // that fails, the server purges uploads never completed after its configured age (24 h).
    item.controller?.abort();
    const id = item.multipartId;
    if (id) {
      item.multipartId = undefined;
      this.api.abort(item.feed, item.path, id).catch(() => undefined);
    }
    this.announce(`Upload of ${item.name} cancelled.`);
  }

  cancelAll(): void {
    for (const item of this.items()) this.cancel(item);
  }

  /** Starts a failed upload again; a chunked one resumes from the parts the server has. */
  retry(item: UploadItem): void {
    if (item.state() !== 'failed') return;
    item.error.set(undefined);
    item.signedOut.set(false);
    item.failures = 0;
    if (item.checked) {
      item.state.set('queued');
      this.pump();
    } else {
      item.state.set('checking');
      void this.prepare(item.feed, [item]);
    }
  }

  /** Removes done, failed, cancelled and skipped files from the list. */
  clearFinished(): void {
    this.list.update((items) => items.filter((i) => !i.finished));
  }

  // ---- batch preparation: existence check, overwrite question ----

  private async prepare(feed: string, batch: UploadItem[]): Promise<void> {
    // A big batch (a dropped folder's files) is checked with one listing of the folder they share.
    const existing =
      batch.length >= this.options.listingThreshold
        ? ((await this.listExisting(feed, sharedFolder(batch.map((i) => i.path)), batch)) ??
          (await this.findExisting(batch)))
        : await this.findExisting(batch);
    const pending = batch.filter((i) => i.state() === 'checking');
    const conflicts = existing.filter((i) => i.state() === 'checking');
    let choice: OverwriteChoice = 'replace';
    if (conflicts.length > 0) {
      const question = this.questions.then(() =>
        this.ask({ feed, existing: conflicts.map((i) => i.path), total: pending.length }),
      );
      this.questions = question.catch(() => undefined);
      try {
        choice = await question;
      } catch (e) {
        for (const item of pending) this.fail(item, e instanceof Error ? e.message : String(e));
        return;
      }
    }
    for (const item of pending) {
      if (item.state() !== 'checking') continue; // cancelled meanwhile
      const exists = conflicts.includes(item);
      item.checked = true;
      if (choice === 'cancel') item.state.set('cancelled');
      else if (exists && choice === 'skip') item.state.set('skipped');
      else {
        item.overwrite = exists;
        item.state.set('queued');
      }
    }
    if (choice === 'skip') this.announce(`${conflicts.length} existing ${plural(conflicts.length, 'file')} skipped.`);
    this.pump();
  }

  /**
   * The items whose target exists as a file, from one recursive listing of `folder` (paths compare
   * case-insensitively, as the server's do); undefined when the listing fails (then check each file).
   */
  private async listExisting(feed: string, folder: string, batch: UploadItem[]): Promise<UploadItem[] | undefined> {
    try {
      const files = await this.api.filesUnder(feed, folder);
      return batch.filter((i) => files.has(i.path.toLowerCase()));
    } catch {
      return undefined;
    }
  }

  /**
   * The items whose target exists as a file, from one listing of each folder they go into (not a
   * request per file, and no 404 for a new one); items whose check failed are failed.
   */
  private async findExisting(batch: UploadItem[]): Promise<UploadItem[]> {
    const byFolder = new Map<string, UploadItem[]>();
    for (const item of batch) {
      const key = `${item.feed}/${parentOf(item.path).toLowerCase()}`;
      byFolder.set(key, [...(byFolder.get(key) ?? []), item]);
    }
    const existing = new Set<UploadItem>();
    const next = [...byFolder.values()];
    const worker = async () => {
      for (let group = next.shift(); group; group = next.shift()) {
        const items = group.filter((i) => i.state() === 'checking');
        if (items.length === 0) continue;
        try {
          const files = await this.api.filesUnder(items[0].feed, parentOf(items[0].path), false);
          // A folder in the way is the server's to refuse (400 with its reason).
          for (const item of items) if (files.has(item.path.toLowerCase())) existing.add(item);
        } catch (e) {
          if (e instanceof UploadError && e.status === 403) continue; // no View: the upload itself decides
          for (const item of items) {
            this.fail(item, e instanceof Error ? e.message : String(e), e instanceof UploadError ? e.status : 0);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: this.options.checkConcurrency }, worker));
    return batch.filter((i) => existing.has(i));
  }

  private async ask(question: OverwriteQuestion): Promise<OverwriteChoice> {
    // Loaded when first needed: the panel (and this queue) load on every page.
    const [{ MatDialog }, { askOverwrite }] = await Promise.all([
      import('@angular/material/dialog'),
      import('./overwrite-dialog'),
    ]);
    return askOverwrite(this.injector.get(MatDialog), question);
  }

  // ---- running uploads ----

  private pump(): void {
    while (this.running < this.options.fileConcurrency) {
      const item = this.items().find((i) => i.state() === 'queued');
      if (!item) break;
      this.running++;
      void this.run(item).finally(() => {
        this.running--;
        this.pump();
        if (this.activeCount() === 0) this.announceSummary();
      });
    }
  }

  private async run(item: UploadItem): Promise<void> {
    const controller = new AbortController();
    item.controller = controller;
    item.state.set('uploading');
    try {
      if (item.size < this.options.singleRequestLimit) await this.uploadWhole(item, controller.signal);
      else await this.uploadParts(item, controller.signal);
      if (controller.signal.aborted) return;
      item.sent.set(item.size);
      item.state.set('done');
      this.done.next({ feed: item.feed, path: item.path });
    } catch (e) {
      if (controller.signal.aborted || isAbort(e)) return;
      this.fail(item, e instanceof Error ? e.message : String(e), e instanceof UploadError ? e.status : 0);
    } finally {
      item.controller = undefined;
    }
  }

  private async uploadWhole(item: UploadItem, signal: AbortSignal): Promise<void> {
    for (;;) {
      item.sent.set(0);
      const response = await this.api.upload(
        item.feed,
        item.path,
        item.file,
        item.overwrite,
        (loaded) => item.sent.set(Math.min(loaded, item.size)),
        signal,
      );
      if (ok(response.status)) return;
      item.sent.set(0); // the server kept nothing
      await this.afterFailure(item, response, signal);
    }
  }

  private async uploadParts(item: UploadItem, signal: AbortSignal): Promise<void> {
    const partSize = Math.max(this.options.partSize, Math.ceil(item.size / this.options.maxParts));
    const totalParts = Math.ceil(item.size / partSize);
    const partLength = (index: number) => Math.min(partSize, item.size - index * partSize);
    const receivedBytes = () => [...item.received].reduce((sum, index) => sum + partLength(index), 0);
    if (item.multipartId) {
      // A retry: the server says which parts it kept.
      await this.withRetries(item, signal, () => this.syncStatus(item, partLength, totalParts, signal));
    } else {
      item.multipartId = newMultipartId();
      item.received.clear();
    }
    // syncStatus may switch to a fresh id: always read the current one.
    const id = () => item.multipartId ?? '';
    let completeFailed = false;

    for (;;) {
      const missing = Array.from({ length: totalParts }, (_, i) => i).filter((i) => !item.received.has(i));
      if (missing.length > 0) {
        const inFlight = new Map<number, number>();
        const showProgress = () =>
          item.sent.set(receivedBytes() + [...inFlight.values()].reduce((sum, loaded) => sum + loaded, 0));
        showProgress();
        let failure: TransportResponse | undefined;
        const worker = async () => {
          for (let index = missing.shift(); index !== undefined && !failure; index = missing.shift()) {
            const offset = index * partSize;
            const size = partLength(index);
            inFlight.set(index, 0);
            const response = await this.api
              .part(
                item.feed,
                item.path,
                { id: id(), index, offset, size, totalSize: item.size, totalParts },
                item.file.slice(offset, offset + size),
                index === 0 ? item.file.type : undefined,
                (loaded) => {
                  inFlight.set(index, Math.min(loaded, size));
                  showProgress();
                },
                signal,
              )
              .finally(() => inFlight.delete(index));
            if (ok(response.status)) {
              item.received.add(index);
              item.failures = 0;
            } else {
              failure ??= response;
            }
            showProgress();
          }
        };
        await Promise.all(Array.from({ length: Math.min(this.options.partConcurrency, missing.length) }, worker));
        if (failure) {
          await this.afterFailure(item, failure, signal);
          // The failed part may have landed after all, and others may be gone: ask.
          await this.withRetries(item, signal, () => this.syncStatus(item, partLength, totalParts, signal));
          continue;
        }
      }
      item.finishing.set(true);
      const response = await this.api
        .complete(item.feed, item.path, id(), signal)
        .finally(() => item.finishing.set(false));
      if (ok(response.status) || (completeFailed && (await this.completedMeanwhile(item, signal)))) {
        item.multipartId = undefined;
        return;
      }
      completeFailed = completeFailed || isTransient(response.status);
      await this.afterFailure(item, response, signal);
      if (completeFailed && (await this.completedMeanwhile(item, signal))) {
        item.multipartId = undefined;
        return;
      }
      await this.withRetries(item, signal, () => this.syncStatus(item, partLength, totalParts, signal));
    }
  }

  /**
   * After a complete whose answer was lost: the server no longer knows the upload and the file is
   * there with the right size, so that complete went through.
   */
  private async completedMeanwhile(item: UploadItem, signal: AbortSignal): Promise<boolean> {
    try {
      if (await this.api.status(item.feed, item.path, item.multipartId ?? '', signal)) return false;
      const found = await this.api.metadata(item.feed, item.path, signal);
      return found?.size === item.size;
    } catch (e) {
      if (isAbort(e)) throw e;
      return false;
    }
  }

  /** Reloads `received` from the server; an upload it does not know starts over under the same id. */
  private async syncStatus(
    item: UploadItem,
    partLength: (index: number) => number,
    totalParts: number,
    signal: AbortSignal,
  ): Promise<void> {
    const status = await this.api.status(item.feed, item.path, item.multipartId ?? '', signal);
    item.received.clear();
    if (status && status.totalSize === item.size && status.totalParts === totalParts) {
      for (const index of status.received) if (index >= 0 && index < totalParts) item.received.add(index);
    } else if (status) {
      // Same id, other shape (a file changed on disk since?): start a fresh upload.
      item.multipartId = newMultipartId();
    }
    item.sent.set([...item.received].reduce((sum, index) => sum + partLength(index), 0));
  }

  /**
   * After a failed request: throws for a final answer (4xx: the server's reason); for a network
   * or server failure, waits before the caller tries again, or throws once the retries are used up.
   */
  private async afterFailure(item: UploadItem, response: TransportResponse, signal: AbortSignal): Promise<void> {
    if (!isTransient(response.status)) throw new UploadError(response.status, failureMessage(response));
    const delays = this.options.retryDelays;
    if (item.failures >= delays.length) {
      throw new UploadError(
        response.status,
        response.status === 0
          ? 'The connection to the server was lost. Retry to resume the upload.'
          : `The server is unavailable (${failureMessage(response)}). Retry to resume the upload.`,
      );
    }
    item.reconnecting.set(true);
    try {
      await this.pause(delays[item.failures], signal);
    } finally {
      item.reconnecting.set(false);
    }
    item.failures++;
  }

  /** Runs `call` again after transient failures (status queries during a resume). */
  private async withRetries(item: UploadItem, signal: AbortSignal, call: () => Promise<void>): Promise<void> {
    for (;;) {
      try {
        await call();
        return;
      } catch (e) {
        if (!(e instanceof UploadError) || !isTransient(e.status)) throw e;
        await this.afterFailure(item, { status: e.status, body: e.message }, signal);
      }
    }
  }

  /** Waits `ms`, or until the browser is back online when it is offline; rejects when aborted. */
  private pause(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(abortError());
        return;
      }
      const window = this.window;
      const offline = window?.navigator.onLine === false;
      const finish = () => {
        clearTimeout(timer);
        window?.removeEventListener('online', onOnline);
        signal.removeEventListener('abort', onAbort);
      };
      const onOnline = () => {
        finish();
        // Give the network a moment to settle before the next request.
        setTimeout(resolve, Math.min(ms, 500));
      };
      const onAbort = () => {
        finish();
        reject(abortError());
      };
      // Offline: wait for the network, but look again after the longest pause anyway.
      const timer = setTimeout(
        () => {
          finish();
          resolve();
        },
        offline ? Math.max(ms, ...this.options.retryDelays) : ms,
      );
      window?.addEventListener('online', onOnline);
      signal.addEventListener('abort', onAbort);
    });
  }

  private fail(item: UploadItem, message: string, status = 0): void {
    if (item.state() === 'cancelled') return;
    item.state.set('failed');
    item.error.set(message);
    if (status === 401) {
      item.signedOut.set(true);
      this.auth.forget();
    }
    this.announce(`Upload of ${item.name} failed: ${message}`);
  }

  private announceSummary(): void {
    const items = this.items();
    const done = items.filter((i) => i.state() === 'done').length;
    const failed = items.filter((i) => i.state() === 'failed');
    if (done + failed.length === 0) return;
    const uploaded = `${done} ${plural(done, 'file')} uploaded`;
    const failures =
      failed.length === 0
        ? ''
        : failed.length <= 3
          ? `, ${failed.map((i) => i.name).join(', ')} failed`
          : `, ${failed.length} failed`;
    this.announce(`Uploads finished: ${uploaded}${failures}.`);
  }

  private announce(message: string): void {
    this.announcement.set(message);
  }
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

/** The folder a path is in (`''` at the top). */
function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** The deepest folder that holds every one of `paths` (`` for the directory's root). */
export function sharedFolder(paths: string[]): string {
  const folders = paths.map((p) => p.split('/').slice(0, -1));
  const shared: string[] = [];
  for (let i = 0; folders.every((f) => i < f.length && f[i].toLowerCase() === folders[0][i].toLowerCase()); i++) {
    shared.push(folders[0][i]);
  }
  return shared.join('/');
}
