import { ChangeDetectionStrategy, Component, computed, effect, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatSnackBar } from '@angular/material/snack-bar';
import { MatTableModule } from '@angular/material/table';
import { Router, RouterLink } from '@angular/router';
import { type Feed, Privilege } from '@stockroom/contracts';
import { firstValueFrom } from 'rxjs';
import { AuthStore } from '../../core/auth/auth-store';
import { SIGN_IN_PATH } from '../../core/auth/sign-in-url';
import { errorMessage } from '../../core/http/api-error';
import { ErrorBanner } from '../../shared/error-banner';
import { formatBytes } from '../../shared/format';
import { browseLink, manageLink } from '../../shared/links';
import { CreateFeedDialog } from './create-feed-dialog';
import { confirmFeedDeletion, storageName } from './delete-feed';
import { FeedsApi } from './feeds-api';

/**
 * The home page: the asset directories the user may view (size, files, storage), reloaded
 * whenever the user changes. Administrators create directories; Manage Feed holders manage or
 * delete theirs.
 */
@Component({
  selector: 'app-feed-list-page',
  imports: [RouterLink, MatTableModule, MatButtonModule, ErrorBanner],
  templateUrl: './feed-list-page.html',
  styleUrl: './feed-list-page.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class FeedListPage {
  private readonly api = inject(FeedsApi);
  private readonly auth = inject(AuthStore);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);
  private readonly router = inject(Router);

  protected readonly feeds = signal<Feed[] | undefined>(undefined);
  protected readonly error = signal<string | undefined>(undefined);
  /** Names of the directories being deleted (their buttons wait). */
  protected readonly deleting = signal<ReadonlySet<string>>(new Set());
  private readonly reloads = signal(0);

  protected readonly signedIn = this.auth.signedIn;
  protected readonly signInPath = `/${SIGN_IN_PATH}`;
  protected readonly isAdministrator = computed(
    () => this.auth.principal()?.privileges.includes(Privilege.Administer) === true,
  );
  protected readonly columns = ['name', 'description', 'storage', 'size', 'files', 'actions'];
  protected readonly browseLink = browseLink;
  protected readonly manageLink = manageLink;
  protected readonly formatBytes = formatBytes;

  /** A directory's quota and its use (percent rounded, at most 100), or undefined without a quota. */
  protected quotaOf(feed: Feed): { used: number; limit: number; percent: number } | undefined {
    const limit = feed.quotaBytes;
    if (limit === null || limit === undefined) return undefined;
    const used = feed.quotaUsedBytes ?? 0;
    return { used, limit, percent: limit > 0 ? Math.min(100, Math.round((100 * used) / limit)) : 100 };
  }
  protected readonly storageName = storageName;
  protected readonly trackByName = (_: number, feed: Feed) => feed.name;
  protected readonly count = (n: number | undefined) => (n === undefined ? '—' : n.toLocaleString());

  constructor() {
    effect((onCleanup) => {
      // Wait until we know who is asking; ask again after sign-in and sign-out (and on retry).
      if (this.auth.userName() === undefined) return;
      this.reloads();
      this.feeds.set(undefined);
      this.error.set(undefined);
      const request = this.api.list().subscribe({
        next: (feeds) => this.feeds.set(feeds),
        error: (e: unknown) => this.error.set(errorMessage(e)),
      });
      onCleanup(() => request.unsubscribe());
    });
  }

  protected canManage(feed: Feed): boolean {
    return feed.privileges?.includes(Privilege.ManageFeed) === true;
  }

  protected reload(): void {
    this.reloads.update((n) => n + 1);
  }

  protected async create(): Promise<void> {
    const ref = this.dialog.open<CreateFeedDialog, void, Feed>(CreateFeedDialog, {
      width: '32rem',
      maxWidth: '95vw',
    });
    const created = await firstValueFrom(ref.afterClosed());
    if (!created) return;
    // The create answer has no statistics: a new directory holds nothing yet.
    const shown: Feed = { ...created, fileCount: created.fileCount ?? 0, totalBytes: created.totalBytes ?? 0 };
    this.feeds.update((list) =>
      [...(list ?? []).filter((f) => f.name !== created.name), shown].sort((a, b) =>
        a.name.toLowerCase().localeCompare(b.name.toLowerCase()),
      ),
    );
    const snack = this.snackBar.open(`Directory “${created.name}” created.`, 'Open', { duration: 6000 });
    snack.onAction().subscribe(() => void this.router.navigate(browseLink(created.name)));
  }

  protected async delete(feed: Feed): Promise<void> {
    if (!(await confirmFeedDeletion(this.dialog, feed))) return;
    this.deleting.update((names) => new Set(names).add(feed.name));
    try {
      await firstValueFrom(this.api.delete(feed.name), { defaultValue: undefined });
      this.feeds.update((list) => list?.filter((f) => f.name !== feed.name));
      this.snackBar.open(`Directory “${feed.name}” deleted.`, 'OK', { duration: 5000 });
    } catch (e) {
      this.snackBar.open(`Could not delete “${feed.name}”: ${errorMessage(e)}`, 'OK');
    } finally {
      this.deleting.update((names) => {
        const next = new Set(names);
        next.delete(feed.name);
        return next;
      });
    }
  }
}
