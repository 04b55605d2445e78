import { HttpErrorResponse } from '@angular/common/http';
import {
  ChangeDetectionStrategy,
  Component,
  computed,
  effect,
  inject,
  input,
  linkedSignal,
  signal,
  untracked,
} from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSnackBar } from '@angular/material/snack-bar';
import { Title } from '@angular/platform-browser';
import { ActivatedRoute, Router, RouterLink } from '@angular/router';
import { type Feed, Privilege } from '@stockroom/contracts';
import {
  type Observable,
  catchError,
  debounceTime,
  filter,
  firstValueFrom,
  forkJoin,
  from,
  map,
  mergeMap,
  of,
  throwError,
} from 'rxjs';
import { AuthStore } from '../../core/auth/auth-store';
import { confirmAction, type ConfirmOptions } from '../../shared/confirm-dialog';
import { ErrorBanner } from '../../shared/error-banner';
import { formatBytes } from '../../shared/format';
import { browseLink, fileLink, manageLink, parentOf, splitPath } from '../../shared/links';
import { entriesFromInput, readDroppedEntries } from '../upload/dropped-entries';
import { type UploadCompleted, UploadQueue } from '../upload/upload-queue';
import { FeedsApi } from '../feeds/feeds-api';
import { BrowseApi, exportUrl } from './browse-api';
import { BrowseListing, type MoveDrop, type TransferRequest } from './browse-listing';
import { errorMessage } from '../../core/http/api-error';
import { type Entry, describeEntries } from './entries';
import { ImportDialog, type ImportDialogData } from './import-dialog';
import { DeletedFiles } from './deleted-files';
import { NewFolderDialog, type NewFolderDialogData } from './new-folder-dialog';
import { ShareDialog, type ShareDialogData } from '../shares/share-dialog';
import { maySharePaths } from '../shares/shares-api';
import { UpstreamListing } from '../connectors/upstream-listing';
import { TransferDialog, type TransferDialogData, type TransferDialogResult, targetPath } from './transfer-dialog';

interface LoadFailure {
  action: string;
  message: string;
  retryable: boolean;
  backLink: unknown[];
  backLabel: string;
}

interface Loaded {
  directory: Feed;
  entries: Entry[];
  /** Set when the folder of the URL is missing or is a file. */
  failure?: LoadFailure;
}

/** Parallel deletes of a bulk delete. */
const DELETE_CONCURRENCY = 4;

/** What a delete removes, asked before doing it. */
export function deleteQuestion(entries: readonly Entry[]): ConfirmOptions {
  const common = { confirmLabel: 'Delete', destructive: true } as const;
  if (entries.length === 1) {
    const [entry] = entries;
    return entry.folder
      ? {
          ...common,
          title: `Delete the folder “${entry.name}”?`,
          message: 'The folder and everything inside it will be deleted. This cannot be undone.',
        }
      : {
          ...common,
          title: `Delete “${entry.name}”?`,
          message: 'The file will be deleted. This cannot be undone.',
          details: [formatBytes(entry.size)],
        };
  }
  const folders = entries.some((e) => e.folder);
  return {
    ...common,
    title: `Delete ${entries.length} items?`,
    message: `The selected items${folders ? ', folders with everything inside them,' : ''} will be deleted. This cannot be undone.`,
    details: describeEntries(entries, formatBytes),
  };
}

/**
 * `/feeds/{feed}/browse/{folder…}`: one folder of an asset directory — its files and subfolders,
 * and what the caller may do there (upload, new folder, import, export, delete, manage), as the
 * directory's `privileges` say.
 */
@Component({
  selector: 'app-browse-page',
  imports: [
    RouterLink,
    MatButtonModule,
    MatProgressBarModule,
    ErrorBanner,
    BrowseListing,
    DeletedFiles,
    UpstreamListing,
  ],
  templateUrl: './browse-page.html',
  styleUrl: './browse-page.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class BrowsePage {
  readonly feed = input.required<string>();
  /** The folder, `a/b` (empty = the directory's top). */
  readonly path = input('');
  /** [ext] `?upstream=true`: show what the connector's upstream offers (a `stockroom` connector). */
  readonly upstream = input<string | undefined>(undefined);

  private readonly api = inject(BrowseApi);
  private readonly feeds = inject(FeedsApi);
  private readonly auth = inject(AuthStore);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);
  private readonly uploads = inject(UploadQueue);
  private readonly title = inject(Title);
  private readonly router = inject(Router);
  private readonly route = inject(ActivatedRoute);

  protected readonly folder = computed(() => splitPath(this.path()).join('/'));
  protected readonly crumbs = computed(() => {
    const segments = splitPath(this.path());
    return segments.map((name, i) => ({ name, link: browseLink(this.feed(), segments.slice(0, i + 1).join('/')) }));
  });
  protected readonly rootLink = computed(() => browseLink(this.feed()));
  protected readonly manageLink = computed(() => manageLink(this.feed()));
  protected readonly exportZip = computed(() => exportUrl(this.feed(), this.folder(), 'zip'));
  protected readonly exportTgz = computed(() => exportUrl(this.feed(), this.folder(), 'tgz'));

  protected readonly directory = signal<Feed | undefined>(undefined);
  protected readonly entries = signal<Entry[] | undefined>(undefined);
  protected readonly loading = signal(false);
  protected readonly failure = signal<LoadFailure | undefined>(undefined);
  protected readonly deleting = signal<{ done: number; total: number } | undefined>(undefined);
  protected readonly dropping = signal(false);
  private readonly reloads = signal(0);
  private loadedPlace?: string;
  private dragDepth = 0;

  private readonly privileges = computed(() => new Set(this.directory()?.privileges ?? []));
  /** [ext] What the directory accepts: a read-only one takes nothing, a create-only one no replace or delete. */
  protected readonly writePolicy = computed(() => this.directory()?.writePolicy ?? 'allow');
  protected readonly canAdd = computed(
    () => this.privileges().has(Privilege.Add) && this.writePolicy() !== 'read-only',
  );
  protected readonly canDelete = computed(
    () => this.privileges().has(Privilege.Delete) && this.writePolicy() === 'allow',
  );
  private readonly canOverwrite = computed(
    () => this.privileges().has(Privilege.Overwrite) && this.writePolicy() === 'allow',
  );
  protected readonly canDownload = computed(() => this.privileges().has(Privilege.Download));
  protected readonly canManage = computed(() => this.privileges().has(Privilege.ManageFeed));
  /** [ext] Share links: Download and Feeds_ShareAsset here. */
  protected readonly canShare = computed(() => maySharePaths(this.directory()?.privileges));
  /** Rename and move: Delete here and Add at the target (the server checks the target's). */
  protected readonly canMove = computed(() => this.canDelete() && this.canAdd());
  /** Copy: Download here and Add at the target. */
  protected readonly canCopy = computed(() => this.canDownload() && this.canAdd());
  protected readonly moving = signal(false);
  /** The server keeps file history (its feed JSON has the setting): deleted files can be listed. */
  protected readonly historyAvailable = computed(() => this.directory()?.fileHistory !== undefined);
  /** Deleted files instead of the listing. */
  protected readonly showDeleted = signal(false);
  /** [ext] The directory has a `stockroom` connector, whose upstream can be listed. */
  protected readonly upstreamAvailable = computed(() => this.directory()?.connector?.type === 'stockroom');
  /** The upstream's listing instead of the local one (`?upstream=true` opens it). */
  protected readonly showUpstream = linkedSignal(() => this.upstream() === 'true');
  /** Restoring a deleted file: Add, and Overwrite (the server checks both). */
  protected readonly canRestore = computed(() => this.canAdd() && this.canOverwrite());
  protected readonly emptyText = computed(() =>
    this.entries() === undefined
      ? 'Loading…'
      : this.canAdd()
        ? 'This folder is empty. Drop files here to upload them.'
        : 'This folder is empty.',
  );

  constructor() {
    effect((onCleanup) => {
      const feed = this.feed();
      const folder = this.folder();
      this.reloads();
      // Wait until we know who is asking; ask again after sign-in and sign-out.
      if (this.auth.userName() === undefined) return;
      untracked(() => {
        const place = `${feed.toLowerCase()}\n${folder.toLowerCase()}`;
        if (place !== this.loadedPlace) {
          // Another folder: nothing of the last one stays on screen.
          if (this.loadedPlace?.split('\n')[0] !== feed.toLowerCase()) this.directory.set(undefined);
          this.entries.set(undefined);
          this.loadedPlace = place;
        }
        this.failure.set(undefined);
        this.loading.set(true);
      });
      const request = this.load(feed, folder).subscribe({
        next: (loaded) => {
          this.directory.set(loaded.directory);
          this.entries.set(loaded.entries);
          this.failure.set(loaded.failure);
          this.loading.set(false);
        },
        error: (e: unknown) => {
          this.failure.set(this.describeFailure(feed, e));
          this.loading.set(false);
        },
      });
      onCleanup(() => request.unsubscribe());
    });

    effect(() => {
      const segments = splitPath(this.path());
      const here = segments.length ? `${segments[segments.length - 1]} · ` : '';
      this.title.setTitle(`${here}${this.feed()} · Stockroom`);
    });

    // Files uploaded into this folder (or below it) show up: once per burst of completions.
    this.uploads.completed
      .pipe(
        filter((done) => this.showsUpload(done)),
        debounceTime(300),
        takeUntilDestroyed(),
      )
      .subscribe(() => this.reload());
  }

  reload(): void {
    this.reloads.update((n) => n + 1);
  }

  /**
   * Between the upstream's listing and the local one, loaded again (files fetched meanwhile show).
   * The URL says which (`?upstream=true`), so that a reload or the back button keeps it.
   */
  protected toggleUpstream(): void {
    const showing = this.showUpstream();
    this.showUpstream.set(!showing);
    void this.router.navigate([], {
      relativeTo: this.route,
      queryParams: { upstream: showing ? null : 'true' },
      queryParamsHandling: 'merge',
    });
    if (showing) this.reload();
  }

  private load(feed: string, folder: string): Observable<Loaded> {
    const check: Observable<LoadFailure | undefined> = folder
      ? this.api.item(feed, folder).pipe(
          map((item) =>
            item.type === 'dir'
              ? undefined
              : {
                  action: `“/${folder}” is a file, not a folder.`,
                  message: '',
                  retryable: false,
                  backLink: fileLink(feed, folder),
                  backLabel: 'Open the file',
                },
          ),
          catchError((e: unknown) =>
            e instanceof HttpErrorResponse && e.status === 404
              ? of({
                  action: 'This folder does not exist.',
                  message: errorMessage(e),
                  retryable: false,
                  backLink: browseLink(feed, parentOf(folder)),
                  backLabel: 'Up to the parent folder',
                })
              : throwError(() => e),
          ),
        )
      : of(undefined);
    return forkJoin({ directory: this.feeds.get(feed), failure: check, entries: this.api.list(feed, folder) });
  }

  private describeFailure(feed: string, e: unknown): LoadFailure {
    const status = e instanceof HttpErrorResponse ? e.status : 0;
    return {
      action: status === 404 ? `Could not open the directory “${feed}”.` : 'Could not load this folder.',
      message: errorMessage(e),
      retryable: status !== 404 && status !== 403,
      backLink: ['/'],
      backLabel: 'Back to directories',
    };
  }

  private showsUpload(done: UploadCompleted): boolean {
    if (done.feed.toLowerCase() !== this.feed().toLowerCase()) return false;
    const folder = this.folder().toLowerCase();
    return folder === '' || done.path.toLowerCase().startsWith(`${folder}/`);
  }

  // Upload ----------------------------------------------------------------------------------

  protected chosen(input: HTMLInputElement): void {
    const entries = input.files ? entriesFromInput(input.files) : [];
    if (entries.length > 0) this.uploads.add(this.feed(), this.folder(), entries);
    input.value = '';
  }

  private static hasFiles(event: DragEvent): boolean {
    return Array.from(event.dataTransfer?.types ?? []).includes('Files');
  }

  protected onDragEnter(event: DragEvent): void {
    if (!BrowsePage.hasFiles(event)) return;
    event.preventDefault();
    this.dragDepth++;
    if (this.canAdd()) this.dropping.set(true);
  }

  protected onDragOver(event: DragEvent): void {
    if (!BrowsePage.hasFiles(event) || !event.dataTransfer) return;
    // Always: otherwise the browser opens a file dropped here in place of the console.
    event.preventDefault();
    event.dataTransfer.dropEffect = this.canAdd() ? 'copy' : 'none';
  }

  protected onDragLeave(event: DragEvent): void {
    if (!BrowsePage.hasFiles(event)) return;
    this.dragDepth = Math.max(0, this.dragDepth - 1);
    if (this.dragDepth === 0) this.dropping.set(false);
  }

  protected onDrop(event: DragEvent): void {
    if (!BrowsePage.hasFiles(event) || !event.dataTransfer) return;
    event.preventDefault();
    this.dragDepth = 0;
    this.dropping.set(false);
    if (!this.canAdd()) {
      this.say('You may not upload to this directory.');
      return;
    }
    const feed = this.feed();
    const folder = this.folder();
    // Read now: the DataTransfer is emptied once this event handler returns.
    readDroppedEntries(event.dataTransfer).then(
      (entries) => {
        if (entries.length > 0) this.uploads.add(feed, folder, entries);
      },
      (e: unknown) => this.say(`Could not read the dropped files: ${errorMessage(e)}`),
    );
  }

  // Folder, import ------------------------------------------------------------------------------

  protected async newFolder(): Promise<void> {
    const feed = this.feed();
    const folder = this.folder();
    const taken = new Set((this.entries() ?? []).map((e) => e.lowerName));
    const ref = this.dialog.open<NewFolderDialog, NewFolderDialogData, string | undefined>(NewFolderDialog, {
      data: { folder, taken },
      width: '28rem',
      maxWidth: '95vw',
    });
    const name = await firstValueFrom(ref.afterClosed());
    if (!name) return;
    try {
      await firstValueFrom(this.api.createFolder(feed, folder ? `${folder}/${name}` : name));
      this.say(`Created the folder “${name}”.`);
      this.reload();
    } catch (e) {
      this.say(`Could not create the folder “${name}”: ${errorMessage(e)}`);
    }
  }

  protected async importArchive(): Promise<void> {
    const ref = this.dialog.open<ImportDialog, ImportDialogData>(ImportDialog, {
      data: { feed: this.feed(), folder: this.folder(), canOverwrite: this.canOverwrite() },
      width: '32rem',
      maxWidth: '95vw',
    });
    // However it was closed (Close, Escape, mid-way): the server may have imported, so look again.
    await firstValueFrom(ref.afterClosed());
    this.reload();
  }

  // Rename, move, copy ----------------------------------------------------------------------

  protected async requestTransfer(request: TransferRequest): Promise<void> {
    if (request.entries.length === 0) return;
    const feed = this.feed();
    const folder = this.folder();
    let directories: string[] = [];
    if (request.mode !== 'rename') {
      // The directories the user may add to; when the list fails, the dialog still offers this one.
      const feeds = await firstValueFrom(this.feeds.list().pipe(catchError(() => of([] as Feed[]))));
      directories = feeds.filter((f) => f.privileges?.includes(Privilege.Add)).map((f) => f.name);
    }
    const ref = this.dialog.open<TransferDialog, TransferDialogData, TransferDialogResult | undefined>(TransferDialog, {
      data: {
        mode: request.mode,
        feed,
        folder,
        entries: request.entries,
        taken: new Set((this.entries() ?? []).map((e) => e.lowerName)),
        directories,
      },
      width: '34rem',
      maxWidth: '95vw',
    });
    const result = await firstValueFrom(ref.afterClosed());
    // However it was closed: some items may have been done before a failure, so look again.
    this.reload();
    if (!result) return;
    const where = `${result.directory}/${result.folder}`;
    const total = request.entries.length;
    const items =
      total === 1
        ? `“${request.entries[0].name}”`
        : result.done === total
          ? `${total} items`
          : `${result.done} of ${total} items`;
    this.say(
      request.mode === 'rename' ? 'Renamed.' : `${request.mode === 'copy' ? 'Copied' : 'Moved'} ${items} to ${where}.`,
    );
  }

  /** Rows dropped onto a folder row: moved into it, keeping their names (nothing replaced). */
  protected async moveDropped(drop: MoveDrop): Promise<void> {
    if (this.moving() || !this.canMove()) return;
    const feed = this.feed();
    this.moving.set(true);
    const failed: { name: string; message: string }[] = [];
    let moved = 0;
    for (const entry of drop.entries) {
      try {
        await firstValueFrom(
          this.api.transfer(feed, 'move', entry.path, {
            to: targetPath(drop.folder.path, entry.name),
            overwrite: false,
          }),
        );
        moved++;
      } catch (e) {
        failed.push({ name: entry.name, message: errorMessage(e) });
      }
    }
    this.moving.set(false);
    if (moved > 0) this.reload();
    if (failed.length > 0) {
      const more = failed.length > 1 ? ` (${failed.length - 1} more could not be moved)` : '';
      this.say(`Could not move “${failed[0].name}”: ${failed[0].message}${more}`);
    } else {
      this.say(`Moved ${moved === 1 ? `“${drop.entries[0].name}”` : `${moved} items`} into “${drop.folder.name}”.`);
    }
  }

  // Share links -----------------------------------------------------------------------------

  /** "Share link…" on this folder (the header) or on a row: the dialog creates and shows the link. */
  protected share(entry?: Entry): void {
    const path = entry ? entry.path : this.folder();
    this.dialog.open<ShareDialog, ShareDialogData>(ShareDialog, {
      data: { feed: this.feed(), path, kind: entry && !entry.folder ? 'file' : 'folder' },
      width: '32rem',
      maxWidth: '95vw',
    });
  }

  // Delete ----------------------------------------------------------------------------------

  protected async requestDelete(entries: Entry[]): Promise<void> {
    if (this.deleting() || entries.length === 0 || !this.canDelete()) return;
    if (!(await confirmAction(this.dialog, deleteQuestion(entries)))) return;
    const feed = this.feed();
    const deleted = new Set<string>();
    const failed: { entry: Entry; message: string }[] = [];
    this.deleting.set({ done: 0, total: entries.length });
    from(entries)
      .pipe(
        mergeMap(
          (entry) =>
            this.api.delete(feed, entry).pipe(
              map(() => ({ entry, message: undefined as string | undefined })),
              catchError((e: unknown) => of({ entry, message: errorMessage(e) })),
            ),
          DELETE_CONCURRENCY,
        ),
      )
      .subscribe({
        next: ({ entry, message }) => {
          if (message === undefined) deleted.add(entry.key);
          else failed.push({ entry, message });
          this.deleting.update((d) => d && { ...d, done: d.done + 1 });
        },
        complete: () => {
          this.deleting.set(undefined);
          if (deleted.size > 0) this.entries.update((list) => list?.filter((e) => !deleted.has(e.key)));
          if (failed.length > 0) {
            const [first] = failed;
            const more = failed.length > 1 ? ` (${failed.length - 1} more could not be deleted)` : '';
            this.say(`Could not delete “${first.entry.name}”: ${first.message}${more}`);
          } else {
            this.say(deleted.size === 1 ? `Deleted “${entries[0].name}”.` : `Deleted ${deleted.size} items.`);
          }
        },
      });
  }

  private say(message: string): void {
    this.snackBar.open(message, 'Dismiss', { duration: 8000 });
  }
}
