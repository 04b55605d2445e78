import { ChangeDetectionStrategy, Component, effect, inject, signal } from '@angular/core';
import type { Feed } from '@stockroom/contracts';
import { RouterLink } from '@angular/router';
import { AuthStore } from '../../core/auth/auth-store';
import { SIGN_IN_PATH } from '../../core/auth/sign-in-url';
import { errorMessage } from '../../core/http/api-error';
import { FeedsApi } from './feeds-api';

/** The home page: the asset directories the user may view, reloaded whenever the user changes. */
@Component({
  selector: 'app-feed-list-page',
  imports: [RouterLink],
  templateUrl: './feed-list-page.html',
  styleUrl: './feed-list-page.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class FeedListPage {
  private readonly api = inject(FeedsApi);
  private readonly auth = inject(AuthStore);
  protected readonly feeds = signal<Feed[] | undefined>(undefined);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly signedIn = this.auth.signedIn;
  protected readonly signInPath = `/${SIGN_IN_PATH}`;

  constructor() {
    effect((onCleanup) => {
      // Wait until we know who is asking; ask again after sign-in and sign-out.
      if (this.auth.userName() === undefined) return;
      this.feeds.set(undefined);
      this.error.set(undefined);
      const request = this.api.list().subscribe({
        next: (feeds) => this.feeds.set(feeds),
        error: (e: unknown) => this.error.set(errorMessage(e)),
      });
      onCleanup(() => request.unsubscribe());
    });
  }
}
