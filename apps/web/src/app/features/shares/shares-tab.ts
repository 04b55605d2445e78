import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatSnackBar } from '@angular/material/snack-bar';
import { RouterLink } from '@angular/router';
import type { Share, ShareState } from '@stockroom/contracts';
import { firstValueFrom } from 'rxjs';
import { AuthStore } from '../../core/auth/auth-store';
import { errorMessage } from '../../core/http/api-error';
import { confirmAction } from '../../shared/confirm-dialog';
import { ErrorBanner } from '../../shared/error-banner';
import { formatDate } from '../../shared/format';
import { browseLink, fileLink, splitPath } from '../../shared/links';
import { SharesApi } from './shares-api';

const STATE_LABELS: Record<ShareState, string> = {
  active: 'Active',
  expired: 'Expired',
  revoked: 'Revoked',
  exhausted: 'Used up',
  ended: 'Ended',
};

/**
 * A directory's "Shares" tab: its share links (path, creator, dates, downloads, password, state)
 * and Revoke. The server lists what the caller may see (the managers every link, a creator their
 * own); Revoke is offered on active links to the managers and to each link's creator.
 */
@Component({
  selector: 'app-shares-tab',
  imports: [MatButtonModule, RouterLink, ErrorBanner],
  template: `
    @if (error(); as message) {
      <app-error-banner
        action="Could not load the share links."
        [message]="message"
        [retryable]="true"
        (retry)="reload()"
      />
    } @else if (shares(); as list) {
      @if (list.length === 0) {
        <p class="muted" data-testid="shares-empty">
          No share links. Create one with “Share link…” on a file or a folder.
        </p>
      } @else {
        <div class="table-wrap">
          <table class="shares" data-testid="shares-table">
            <caption class="visually-hidden">
              Share links of
              {{
                feed()
              }}
            </caption>
            <thead>
              <tr>
                <th scope="col">Path</th>
                <th scope="col">Created by</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col" class="number">Downloads</th>
                <th scope="col">Password</th>
                <th scope="col">State</th>
                <th scope="col"><span class="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              @for (share of list; track share.id) {
                <tr
                  data-testid="share-row"
                  [attr.data-id]="share.id"
                  [attr.data-path]="share.path"
                  [attr.data-state]="share.state"
                >
                  <td class="path">
                    <a [routerLink]="link(share)">{{ display(share) }}</a>
                    @if (share.kind === 'folder') {
                      <span class="muted"> (folder)</span>
                    }
                  </td>
                  <td>{{ share.createdBy }}</td>
                  <td>{{ formatDate(share.createdAt) }}</td>
                  <td>{{ formatDate(share.expiresAt) }}</td>
                  <td class="number" data-testid="share-downloads">
                    {{ share.downloads }} / {{ share.maxDownloads ?? '∞' }}
                  </td>
                  <td>{{ share.hasPassword ? 'Yes' : 'No' }}</td>
                  <td>
                    <span class="state" [class.active]="share.state === 'active'" data-testid="share-state">
                      {{ stateLabel(share.state) }}
                    </span>
                    @if (share.endedAt && share.state !== 'expired') {
                      <span class="muted"> {{ formatDate(share.endedAt) }}</span>
                    }
                  </td>
                  <td class="actions">
                    @if (canRevoke(share)) {
                      <button
                        mat-button
                        type="button"
                        class="destructive"
                        data-testid="share-revoke"
                        [disabled]="revoking() !== undefined"
                        [attr.aria-label]="'Revoke the link to ' + display(share)"
                        (click)="revoke(share)"
                      >
                        {{ revoking() === share.id ? 'Revoking…' : 'Revoke' }}
                      </button>
                    }
                  </td>
                </tr>
              }
            </tbody>
          </table>
        </div>
      }
    } @else {
      <p class="muted" aria-live="polite">Loading…</p>
    }
  `,
  styles: `
    :host {
      display: block;
    }
    .table-wrap {
      /* Positioned: the visually hidden caption and header in it scroll with it, not the page. */
      position: relative;
      overflow-x: auto;
    }
    .shares {
      width: 100%;
      border-collapse: collapse;
      font: var(--mat-sys-body-medium);
    }
    th {
      text-align: start;
      font: var(--mat-sys-label-large);
      padding: 0.25rem 0.5rem;
      border-bottom: 1px solid var(--mat-sys-outline-variant);
    }
    td {
      padding: 0.125rem 0.5rem;
      border-bottom: 1px solid var(--mat-sys-outline-variant);
      white-space: nowrap;
    }
    .path {
      min-width: 12rem;
      white-space: normal;
      overflow-wrap: anywhere;
    }
    .number {
      text-align: end;
    }
    .actions {
      text-align: end;
    }
    .state {
      padding: 0 0.375rem;
      border-radius: 0.25rem;
      font: var(--mat-sys-label-small);
      background: var(--mat-sys-surface-container-high);
    }
    .state.active {
      background: var(--mat-sys-primary-container);
      color: var(--mat-sys-on-primary-container);
    }
    .destructive {
      color: var(--mat-sys-error);
    }
    .muted {
      color: var(--mat-sys-on-surface-variant);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SharesTab {
  private readonly api = inject(SharesApi);
  private readonly auth = inject(AuthStore);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);

  readonly feed = input.required<string>();
  /** Manage Feed here: may revoke anyone's link. */
  readonly canManage = input(false);

  protected readonly shares = signal<Share[] | undefined>(undefined);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly revoking = signal<number | undefined>(undefined);
  private readonly reloads = signal(0);
  private readonly me = computed(() => this.auth.userName()?.toLowerCase());
  protected readonly formatDate = formatDate;

  constructor() {
    effect((onCleanup) => {
      const feed = this.feed();
      this.reloads();
      this.error.set(undefined);
      const request = this.api.list(feed).subscribe({
        next: (shares) => this.shares.set(shares),
        error: (e: unknown) => this.error.set(errorMessage(e)),
      });
      onCleanup(() => request.unsubscribe());
    });
  }

  reload(): void {
    this.reloads.update((n) => n + 1);
  }

  protected stateLabel(state: ShareState): string {
    return STATE_LABELS[state] ?? state;
  }

  protected display(share: Share): string {
    const path = splitPath(share.path).join('/');
    return `/${path}`;
  }

  protected link(share: Share): string[] {
    return share.kind === 'folder' ? browseLink(share.feed, share.path) : fileLink(share.feed, share.path);
  }

  protected canRevoke(share: Share): boolean {
    if (share.state !== 'active') return false;
    const me = this.me();
    return this.canManage() || (!!me && share.createdBy.toLowerCase() === me);
  }

  protected async revoke(share: Share): Promise<void> {
    if (this.revoking() !== undefined) return;
    const confirmed = await confirmAction(this.dialog, {
      title: 'Revoke this share link?',
      message: 'The link stops working at once for everyone who has it. This cannot be undone.',
      details: [
        `${share.feed}${this.display(share)}`,
        `Created by ${share.createdBy}, ${formatDate(share.createdAt)}; ${share.downloads} download${share.downloads === 1 ? '' : 's'}`,
      ],
      confirmLabel: 'Revoke',
      destructive: true,
    });
    if (!confirmed) return;
    this.revoking.set(share.id);
    try {
      await firstValueFrom(this.api.revoke(share.id));
      this.snackBar.open(`Revoked the link to ${this.display(share)}.`, undefined, { duration: 4000 });
      this.reload();
    } catch (e) {
      this.snackBar.open(`Could not revoke the link to ${this.display(share)}: ${errorMessage(e)}`, 'Dismiss');
    } finally {
      this.revoking.set(undefined);
    }
  }
}
