import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatListModule } from '@angular/material/list';
import { NavigationEnd, Router, RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { Privilege } from '@stockroom/contracts';
import { filter, map } from 'rxjs';
import { AuthStore } from '../../core/auth/auth-store';
import { SIGN_IN_PATH } from '../../core/auth/sign-in-url';

export interface AdminNavItem {
  /** The path under /admin, also the data-testid suffix (`admin-nav-<page>`). */
  page: string;
  label: string;
  /** Needs the Administer privilege (every page but API keys). */
  adminOnly: boolean;
}

export const ADMIN_NAV: readonly AdminNavItem[] = [
  { page: 'users', label: 'Users', adminOnly: true },
  { page: 'groups', label: 'Groups', adminOnly: true },
  { page: 'roles', label: 'Roles', adminOnly: true },
  { page: 'privileges', label: 'Privileges', adminOnly: true },
  { page: 'sso', label: 'Single sign-on', adminOnly: true },
  { page: 'api-keys', label: 'API keys', adminOnly: false },
  { page: 'audit', label: 'Audit log', adminOnly: true },
  { page: 'retention', label: 'Retention', adminOnly: true },
  { page: 'replication', label: 'Replication', adminOnly: true },
  { page: 'webhooks', label: 'Webhooks', adminOnly: true },
];

/**
 * The frame of /admin: a side navigation and the current page. Pages for administrators only are
 * not even created for anyone else (no requests that can only fail): a plain message says why.
 */
@Component({
  selector: 'app-admin-layout',
  imports: [RouterOutlet, RouterLink, RouterLinkActive, MatListModule, MatButtonModule],
  templateUrl: './admin-layout.html',
  styleUrl: './admin-layout.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class AdminLayout {
  private readonly auth = inject(AuthStore);
  private readonly router = inject(Router);
  private readonly url = toSignal(
    this.router.events.pipe(
      filter((e) => e instanceof NavigationEnd),
      map((e) => e.urlAfterRedirects),
    ),
    { initialValue: this.router.url },
  );

  protected readonly principal = this.auth.principal;
  protected readonly isAdministrator = computed(
    () => this.auth.principal()?.privileges.includes(Privilege.Administer) === true,
  );
  protected readonly nav = computed(() => ADMIN_NAV.filter((item) => this.isAdministrator() || !item.adminOnly));
  /** The page segment after /admin/. */
  protected readonly page = computed(() => {
    const tree = this.router.parseUrl(this.url());
    return tree.root.children['primary']?.segments[1]?.path ?? '';
  });
  protected readonly state = computed<'loading' | 'anonymous' | 'forbidden' | 'ok'>(() => {
    const principal = this.auth.principal();
    if (principal === undefined) return 'loading';
    if (!principal.authenticated) return 'anonymous';
    const item = ADMIN_NAV.find((i) => i.page === this.page());
    return item?.adminOnly !== false && !this.isAdministrator() ? 'forbidden' : 'ok';
  });
  protected readonly signInPath = `/${SIGN_IN_PATH}`;
  protected readonly returnUrl = computed(() => this.url());
}
