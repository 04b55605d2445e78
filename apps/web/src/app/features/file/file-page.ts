import {
  ChangeDetectionStrategy,
  Component,
  DOCUMENT,
  InjectionToken,
  computed,
  effect,
  inject,
  input,
  signal,
  untracked,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatSnackBar } from '@angular/material/snack-bar';
import { Title } from '@angular/platform-browser';
import { Router, RouterLink } from '@angular/router';
import { type AssetItem, type CacheHeader, type Feed, Privilege, type UserMetadataValue } from '@stockroom/contracts';
import { AuthStore } from '../../core/auth/auth-store';
import { errorMessage } from '../../core/http/api-error';
import { confirmAction } from '../../shared/confirm-dialog';
import { ErrorBanner } from '../../shared/error-banner';
import { formatBytes, formatDate } from '../../shared/format';
import { browseLink, contentUrl, parentOf, splitPath } from '../../shared/links';
import { FeedsApi } from '../feeds/feeds-api';
import { ShareDialog, type ShareDialogData } from '../shares/share-dialog';
import { maySharePaths } from '../shares/shares-api';
import { CacheHeaderEditor } from './cache-header-editor';
import { CopyButton } from './copy-button';
import { FileApi } from './file-api';
import { FilePreview } from './file-preview';
import { HistoryPanel } from './history-panel';
import { MediaTypeEditor } from './media-type-editor';
import { UserMetadataEditor } from './user-metadata-editor';

/** Characters `encodeURIComponent` leaves alone that a shell (or a chat program) would not. */
function strictUrl(url: string): string {
  return url.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** One word for a shell: as is when safe, else in single quotes. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9._+@%/:=,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * `curl` downloading a file: an API key for signed-in users (the console's session cookie is no use
 * to a script), nothing for anonymous access. `-O` saves under the URL's last segment when that is
 * the file's name; otherwise `-o` names it.
 */
export function curlExample(url: string, fileName: string, signedIn: boolean): string {
  const lastSegment = url.slice(url.lastIndexOf('/') + 1);
  const output = lastSegment === fileName ? '-O' : `-o ${shellWord(fileName)}`;
  const auth = signedIn ? '-H "X-ApiKey: <your API key>" ' : '';
  return `curl ${auth}${output} ${url}`;
}

/** Sends the browser to a URL (the Download button's signed URL); a token so that tests can watch it. */
export const OPEN_URL = new InjectionToken<(url: string) => void>('OPEN_URL', {
  providedIn: 'root',
  factory: () => {
    const location = inject(DOCUMENT).location;
    return (url: string) => location.assign(url);
  },
});

interface Crumb {
  name: string;
  link: string[];
}

/** `/feeds/{feed}/files/{path…}`: one file — download, details, preview, metadata, delete. */
@Component({
  selector: 'app-file-page',
  imports: [
    MatButtonModule,
    RouterLink,
    ErrorBanner,
    CopyButton,
    MediaTypeEditor,
    UserMetadataEditor,
    CacheHeaderEditor,
    FilePreview,
    HistoryPanel,
  ],
  templateUrl: './file-page.html',
  styleUrl: './file-page.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class FilePage {
  private readonly files = inject(FileApi);
  private readonly directories = inject(FeedsApi);
  private readonly auth = inject(AuthStore);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);
  private readonly router = inject(Router);
  private readonly title = inject(Title);
  private readonly origin = inject(DOCUMENT).location.origin;
  private readonly openUrl = inject(OPEN_URL);

  readonly feed = input.required<string>();
  readonly path = input('');

  protected readonly item = signal<AssetItem | undefined>(undefined);
  protected readonly loadError = signal<string | undefined>(undefined);
  protected readonly directory = signal<Feed | undefined>(undefined);
  protected readonly directoryError = signal<string | undefined>(undefined);
  protected readonly deleting = signal(false);
  protected readonly downloading = signal(false);
  private readonly reload = signal(0);

  protected readonly formatBytes = formatBytes;
  protected readonly formatDate = formatDate;

  protected readonly fileName = computed(() => this.item()?.name ?? splitPath(this.path()).at(-1) ?? '');
  protected readonly parentLink = computed(() => browseLink(this.feed(), parentOf(this.path())));
  protected readonly crumbs = computed((): Crumb[] => {
    const segments = splitPath(this.path()).slice(0, -1);
    return [
      { name: this.feed(), link: browseLink(this.feed()) },
      ...segments.map((name, i) => ({ name, link: browseLink(this.feed(), segments.slice(0, i + 1).join('/')) })),
    ];
  });

  /** The caller's privileges on the directory; unknown (server too old, request failed) = none. */
  private readonly privileges = computed(() => this.directory()?.privileges);
  /** [ext] A create-only or read-only directory replaces and deletes nothing. */
  private readonly writesAllowed = computed(() => (this.directory()?.writePolicy ?? 'allow') === 'allow');
  protected readonly canDelete = computed(
    () => this.privileges()?.includes(Privilege.Delete) === true && this.writesAllowed(),
  );
  /** `POST metadata/` needs Add (assets.service.ts updateMetadata). */
  protected readonly canEdit = computed(() => this.privileges()?.includes(Privilege.Add) === true);
  /** Restoring a version replaces the current file: Overwrite. */
  protected readonly canRestore = computed(
    () => this.privileges()?.includes(Privilege.Overwrite) === true && this.writesAllowed(),
  );
  protected readonly historyEnabled = computed(() => this.directory()?.fileHistory?.enabled);
  /** [ext] Share links: Download and Feeds_ShareAsset here. */
  protected readonly canShare = computed(() => maySharePaths(this.privileges()));
  /** A plain link: offered unless we know the server would refuse it. */
  protected readonly canDownload = computed(() => this.privileges()?.includes(Privilege.Download) ?? true);

  protected readonly contentPath = computed(() => contentUrl(this.feed(), this.path()));
  protected readonly downloadHref = computed(() => `${this.contentPath()}?download=true`);
  protected readonly downloadUrl = computed(() => strictUrl(this.origin + this.contentPath()));
  protected readonly signedIn = this.auth.signedIn;
  protected readonly isAdministrator = computed(
    () => this.auth.principal()?.privileges.includes(Privilege.Administer) === true,
  );
  protected readonly curl = computed(() => curlExample(this.downloadUrl(), this.fileName(), this.signedIn()));
  protected readonly hashes = computed(() => {
    const item = this.item();
    if (!item) return [];
    return [
      { label: 'MD5', testId: 'md5', value: item.md5 },
      { label: 'SHA-1', testId: 'sha1', value: item.sha1 },
      { label: 'SHA-256', testId: 'sha256', value: item.sha256 },
      { label: 'SHA-512', testId: 'sha512', value: item.sha512 },
    ].filter((h): h is { label: string; testId: string; value: string } => !!h.value);
  });

  constructor() {
    effect((onCleanup) => {
      const feed = this.feed();
      const path = this.path();
      this.reload();
      // Wait until we know who is asking; ask again after sign-in and sign-out.
      if (this.auth.userName() === undefined) return;
      untracked(() => {
        this.item.set(undefined);
        this.loadError.set(undefined);
        this.directory.set(undefined);
        this.directoryError.set(undefined);
      });
      const itemRequest = this.files.metadata(feed, path).subscribe({
        next: (item) => {
          if (item.type === 'dir') {
            // A folder's URL under /files/: show the folder instead.
            void this.router.navigate(browseLink(feed, path), { replaceUrl: true });
            return;
          }
          this.item.set(item);
        },
        error: (e: unknown) => this.loadError.set(errorMessage(e)),
      });
      const directoryRequest = this.directories.get(feed).subscribe({
        next: (directory) => this.directory.set(directory),
        error: (e: unknown) => this.directoryError.set(errorMessage(e)),
      });
      onCleanup(() => {
        itemRequest.unsubscribe();
        directoryRequest.unsubscribe();
      });
    });
    effect(() => this.title.setTitle(`${this.fileName() || 'File'} · ${this.feed()} · Stockroom`));
  }

  protected retry(): void {
    this.reload.update((n) => n + 1);
  }

  /**
   * The Download button: a signed URL (on the content origin when the server has one), so the file
   * is fetched without the session cookie. The link's own href is the plain API URL, which a middle
   * click, "copy link" or a failed signing still offers.
   */
  protected download(event: MouseEvent): void {
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    if (this.downloading()) return;
    this.downloading.set(true);
    this.files.signedUrl(this.feed(), this.path(), true).subscribe({
      next: (url) => {
        this.downloading.set(false);
        // An attachment: the browser saves it and the console stays where it is.
        this.openUrl(url);
      },
      error: (e: unknown) => {
        this.downloading.set(false);
        this.snackBar.open(`Could not download ${this.fileName()}: ${errorMessage(e)}`, 'Dismiss');
      },
    });
  }

  /** A version was restored: the details show the restored content (no "Loading…" in between). */
  protected versionRestored(): void {
    this.files.metadata(this.feed(), this.path()).subscribe({
      next: (item) => this.item.set(item),
      error: () => this.retry(),
    });
  }

  /** "Share link…": the dialog creates the link and shows it. */
  protected share(): void {
    this.dialog.open<ShareDialog, ShareDialogData>(ShareDialog, {
      data: { feed: this.feed(), path: this.path(), kind: 'file' },
      width: '32rem',
      maxWidth: '95vw',
    });
  }

  protected mediaTypeChanged(type: string): void {
    this.item.update((item) => item && { ...item, type });
  }

  protected metadataSaved(userMetadata: Record<string, UserMetadataValue>): void {
    this.item.update(
      (item) => item && { ...item, userMetadata: Object.keys(userMetadata).length > 0 ? userMetadata : undefined },
    );
  }

  protected cacheHeaderSaved(cacheHeader: CacheHeader): void {
    this.item.update((item) => item && { ...item, cacheHeader });
  }

  protected async delete(): Promise<void> {
    const item = this.item();
    if (!item || this.deleting()) return;
    const feed = this.feed();
    const path = this.path();
    const confirmed = await confirmAction(this.dialog, {
      title: 'Delete this file?',
      message: `"${item.name}" will be deleted from ${feed} at once. This cannot be undone.`,
      details: [
        `/${splitPath(path).join('/')}`,
        `${formatBytes(item.size)} (${(item.size ?? 0).toLocaleString()} bytes)`,
      ],
      confirmLabel: 'Delete',
      destructive: true,
    });
    if (!confirmed) return;
    this.deleting.set(true);
    this.files.delete(feed, path).subscribe({
      next: () => {
        this.deleting.set(false);
        this.snackBar.open(`Deleted ${item.name}.`, undefined, { duration: 4000 });
        void this.router.navigate(browseLink(feed, parentOf(path)));
      },
      error: (e: unknown) => {
        this.deleting.set(false);
        this.snackBar.open(`Could not delete ${item.name}: ${errorMessage(e)}`, 'Dismiss');
      },
    });
  }
}
