import { ChangeDetectionStrategy, Component, Injector, computed, inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatMenu, MatMenuItem, MatMenuTrigger } from '@angular/material/menu';
import { MatToolbarModule } from '@angular/material/toolbar';
import { NavigationEnd, NavigationStart, Router, RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { Privilege } from '@stockroom/contracts';
import { filter, map, takeUntil } from 'rxjs';
import { AuthStore } from '../auth/auth-store';
import { ExternalNavigation } from '../auth/external-navigation';
import { SIGN_IN_PATH, isSignInUrl } from '../auth/sign-in-url';
import { errorMessage } from '../http/api-error';

/** The frame around every page: top bar with the app name and the user's menu, then the page. */
@Component({
  selector: 'app-shell',
  imports: [
    RouterOutlet,
    RouterLink,
    RouterLinkActive,
    MatToolbarModule,
    MatButtonModule,
    MatMenu,
    MatMenuItem,
    MatMenuTrigger,
  ],
  templateUrl: './shell.html',
  styleUrl: './shell.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Shell {
  protected readonly auth = inject(AuthStore);
  private readonly router = inject(Router);
  private readonly injector = inject(Injector);
  protected readonly signInPath = `/${SIGN_IN_PATH}`;
  private readonly url = toSignal(
    this.router.events.pipe(
      filter((e) => e instanceof NavigationEnd),
      map((e) => e.urlAfterRedirects),
    ),
    { initialValue: this.router.url },
  );
  protected readonly onSignInPage = computed(() => isSignInUrl(this.router, this.url()));
  protected readonly isAdministrator = computed(
    () => this.auth.principal()?.privileges.includes(Privilege.Administer) === true,
  );
  /** The directory list and every page inside a directory. */
  protected readonly inDirectories = computed(() => {
    const path = this.url().split(/[?#]/)[0];
    return path === '/' || path.startsWith('/feeds/');
  });
  /** Come back to the current page after signing in. */
  protected readonly returnUrl = computed(() => (this.onSignInPage() ? '/' : this.url()));

  constructor() {
    void this.auth.refresh();
  }

  protected async changePassword(): Promise<void> {
    // Loaded on first use (dialog service included): most visits never open it.
    const [{ MatDialog }, { ChangePasswordDialog }] = await Promise.all([
      import('@angular/material/dialog'),
      import('../auth/change-password-dialog'),
    ]);
    const ref = this.injector.get(MatDialog).open(ChangePasswordDialog, {
      width: '28rem',
      maxWidth: '95vw',
      autoFocus: 'first-tabbable',
    });
    // Material closes dialogs on history pops only; a redirect (to sign-in, on a 401) must close it too.
    this.router.events
      .pipe(
        filter((e) => e instanceof NavigationStart),
        takeUntil(ref.afterClosed()),
      )
      .subscribe(() => ref.close());
  }

  protected async signOut(): Promise<void> {
    let endSessionUrl: string | undefined;
    try {
      endSessionUrl = await this.auth.signOut();
      await this.router.navigateByUrl('/');
    } catch (e) {
      // Loaded on first use, like the dialog: the snack bar's overlay is not part of the first load.
      const { MatSnackBar } = await import('@angular/material/snack-bar');
      this.injector.get(MatSnackBar).open(`Could not sign out: ${errorMessage(e)}`, 'Dismiss');
      return;
    }
    if (endSessionUrl) await this.offerEndSession(endSessionUrl);
  }

  /**
   * A user who signed in through OpenID Connect is signed out of Stockroom, but the identity
   * provider's session would sign them straight back in: offer to end it too (the provider's page).
   */
  private async offerEndSession(url: string): Promise<void> {
    const { MatSnackBar } = await import('@angular/material/snack-bar');
    const ref = this.injector
      .get(MatSnackBar)
      .open('Signed out of Stockroom. Your single sign-on session is still open.', 'Sign out there too', {
        duration: 30_000,
      });
    ref.onAction().subscribe(() => this.injector.get(ExternalNavigation).go(url));
  }
}
