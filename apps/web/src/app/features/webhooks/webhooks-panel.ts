import { ChangeDetectionStrategy, Component, effect, inject, input, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatSlideToggleModule } from '@angular/material/slide-toggle';
import { MatSnackBar } from '@angular/material/snack-bar';
import type { Webhook } from '@stockroom/contracts';
import { firstValueFrom } from 'rxjs';
import { errorMessage } from '../../core/http/api-error';
import { confirmAction } from '../../shared/confirm-dialog';
import { ErrorBanner } from '../../shared/error-banner';
import { formatDate } from '../../shared/format';
import { DELIVERY_STATE_LABELS, openDeliveries } from './webhook-deliveries-dialog';
import { WebhookDialog, type WebhookDialogData } from './webhook-dialog';
import { WebhooksApi } from './webhooks-api';

/**
 * Webhooks: a directory's (`feed`; Manage, its "Webhooks" tab) or the global ones (`feed` null;
 * Administer, under administration). List, create, enable/disable, delete, "Send test event", and
 * each one's deliveries.
 */
@Component({
  selector: 'app-webhooks-panel',
  imports: [MatButtonModule, MatSlideToggleModule, ErrorBanner],
  template: `
    <div class="page-header">
      <h2>{{ feed() === null ? 'Webhooks' : 'Webhooks of ' + feed() }}</h2>
      <button mat-flat-button type="button" data-testid="webhook-new" (click)="create()">New webhook</button>
    </div>
    <p class="intro">
      @if (feed() === null) {
        Every webhook: global ones (created here) receive the events of every directory, and those of replication and
        retention; a directory's own are managed in its settings too.
      } @else {
        These webhooks receive the events of this directory.
      }
      Each delivery is a JSON POST signed with the webhook's secret (X-Stockroom-Signature), retried for a day until the
      receiver answers 2xx.
    </p>
    @if (error(); as message) {
      <app-error-banner
        action="Could not load the webhooks."
        [message]="message"
        [retryable]="true"
        [backLink]="undefined"
        (retry)="reload()"
      />
    } @else if (webhooks(); as list) {
      @if (list.length === 0) {
        <p class="muted" data-testid="webhooks-empty">No webhooks.</p>
      } @else {
        <div class="table-wrap">
          <table class="grid" data-testid="webhooks-table">
            <caption class="visually-hidden">
              Webhooks
            </caption>
            <thead>
              <tr>
                <th scope="col">URL</th>
                @if (feed() === null) {
                  <th scope="col">Directory</th>
                }
                <th scope="col">Events</th>
                <th scope="col">Active</th>
                <th scope="col">Last delivery</th>
                <th scope="col">Created</th>
                <th scope="col"><span class="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              @for (hook of list; track hook.id) {
                <tr
                  data-testid="webhook-row"
                  [attr.data-id]="hook.id"
                  [attr.data-url]="hook.url"
                  [attr.data-active]="hook.active"
                >
                  <td class="url mono">{{ hook.url }}</td>
                  @if (feed() === null) {
                    <td data-testid="webhook-feed">
                      @if (hook.feed === null) {
                        <span class="tag">All directories</span>
                      } @else {
                        {{ hook.feed }}
                      }
                    </td>
                  }
                  <td class="events">
                    @for (event of hook.events; track event) {
                      <span class="tag mono">{{ event }}</span>
                    }
                  </td>
                  <td>
                    <mat-slide-toggle
                      data-testid="webhook-active"
                      [checked]="hook.active"
                      [disabled]="busy() === hook.id"
                      [attr.aria-label]="(hook.active ? 'Disable ' : 'Enable ') + hook.url"
                      (change)="setActive(hook, $event.checked)"
                    />
                  </td>
                  <td data-testid="webhook-last-delivery">
                    @if (hook.lastDelivery; as last) {
                      {{ stateLabel(last.status)
                      }}{{ last.responseStatus !== null ? ' (' + last.responseStatus + ')' : '' }}
                      <span class="muted">{{ date(last.at) }}</span>
                    } @else {
                      <span class="muted">—</span>
                    }
                  </td>
                  <td>
                    {{ date(hook.createdAt) }}
                    <span class="muted">by {{ hook.createdBy }}</span>
                  </td>
                  <td class="actions">
                    <button
                      mat-button
                      type="button"
                      data-testid="webhook-deliveries"
                      [attr.aria-label]="'Deliveries to ' + hook.url"
                      (click)="deliveries(hook)"
                    >
                      Deliveries
                    </button>
                    <button
                      mat-button
                      type="button"
                      data-testid="webhook-test"
                      [disabled]="busy() === hook.id"
                      [attr.aria-label]="'Send a test event to ' + hook.url"
                      (click)="sendTest(hook)"
                    >
                      Send test event
                    </button>
                    <button
                      mat-button
                      type="button"
                      class="destructive"
                      data-testid="webhook-delete"
                      [disabled]="busy() === hook.id"
                      [attr.aria-label]="'Delete the webhook to ' + hook.url"
                      (click)="remove(hook)"
                    >
                      Delete
                    </button>
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
  styleUrl: '../admin/admin-page.scss',
  styles: `
    .table-wrap {
      min-height: 0;
    }
    .grid {
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
      padding: 0.25rem 0.5rem;
      border-bottom: 1px solid var(--mat-sys-outline-variant);
      vertical-align: middle;
    }
    .url {
      overflow-wrap: anywhere;
      min-width: 12rem;
    }
    .events {
      max-width: 22rem;
    }
    .actions {
      white-space: nowrap;
      text-align: end;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class WebhooksPanel {
  private readonly api = inject(WebhooksApi);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);

  /** The directory; null = the global webhooks. */
  readonly feed = input<string | null>(null);

  protected readonly webhooks = signal<Webhook[] | undefined>(undefined);
  protected readonly error = signal<string | undefined>(undefined);
  /** The webhook a request is under way for. */
  protected readonly busy = signal<string | undefined>(undefined);
  private readonly reloads = signal(0);
  protected readonly date = formatDate;

  constructor() {
    effect((onCleanup) => {
      const feed = this.feed();
      this.reloads();
      this.error.set(undefined);
      const request = this.api.list(feed).subscribe({
        next: (list) => this.webhooks.set(list),
        error: (e: unknown) => this.error.set(errorMessage(e)),
      });
      onCleanup(() => request.unsubscribe());
    });
  }

  reload(): void {
    this.reloads.update((n) => n + 1);
  }

  protected stateLabel(state: keyof typeof DELIVERY_STATE_LABELS): string {
    return DELIVERY_STATE_LABELS[state] ?? state;
  }

  protected async create(): Promise<void> {
    const ref = this.dialog.open<WebhookDialog, WebhookDialogData, Webhook>(WebhookDialog, {
      data: { feed: this.feed() },
      width: '40rem',
      maxWidth: '95vw',
    });
    const created = await firstValueFrom(ref.afterClosed());
    if (!created) return;
    this.snackBar.open(`Webhook to ${created.url} created.`, undefined, { duration: 4000 });
    this.reload();
  }

  protected deliveries(hook: Webhook): void {
    openDeliveries(this.dialog, hook);
  }

  protected async setActive(hook: Webhook, active: boolean): Promise<void> {
    await this.act(hook, async () => {
      await firstValueFrom(this.api.update(hook.id, { active }));
      return `${active ? 'Enabled' : 'Disabled'} the webhook to ${hook.url}.`;
    });
  }

  protected async sendTest(hook: Webhook): Promise<void> {
    await this.act(hook, async () => {
      await firstValueFrom(this.api.test(hook.id));
      return `Test event queued for ${hook.url}.`;
    });
  }

  protected async remove(hook: Webhook): Promise<void> {
    const confirmed = await confirmAction(this.dialog, {
      title: 'Delete this webhook?',
      message: 'It receives no more events, and its deliveries log is deleted with it.',
      details: [hook.url],
      confirmLabel: 'Delete',
      destructive: true,
    });
    if (!confirmed) return;
    await this.act(hook, async () => {
      await firstValueFrom(this.api.delete(hook.id));
      return `Deleted the webhook to ${hook.url}.`;
    });
  }

  /** One request for a webhook: its message when done, the server's reason when refused; the list again. */
  private async act(hook: Webhook, run: () => Promise<string>): Promise<void> {
    this.busy.set(hook.id);
    try {
      this.snackBar.open(await run(), undefined, { duration: 4000 });
    } catch (e) {
      this.snackBar.open(`Could not change the webhook to ${hook.url}: ${errorMessage(e)}`, 'Dismiss');
    } finally {
      this.busy.set(undefined);
      this.reload();
    }
  }
}
