import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, type MatDialog, MatDialogModule } from '@angular/material/dialog';
import { MatSnackBar } from '@angular/material/snack-bar';
import type { Webhook, WebhookDelivery, WebhookDeliveryState } from '@stockroom/contracts';
import { firstValueFrom } from 'rxjs';
import { errorMessage } from '../../core/http/api-error';
import { ErrorBanner } from '../../shared/error-banner';
import { formatDate } from '../../shared/format';
import { WebhooksApi } from './webhooks-api';

export const DELIVERY_STATE_LABELS: Readonly<Record<WebhookDeliveryState, string>> = {
  pending: 'Pending',
  delivered: 'Delivered',
  failed: 'Failed',
};

/** The HTTP status of a delivery's latest attempt, when the list carries its attempts. */
export function lastStatus(delivery: WebhookDelivery): string {
  const last = delivery.attemptLog?.at(-1);
  if (!last) return '—';
  return last.status === null ? 'No answer' : String(last.status);
}

/**
 * A webhook's deliveries: each event sent (or still to be sent) with its state, attempts, the
 * latest status and the next attempt; "Details" shows one with the body sent and every attempt
 * (status, latency, error), and Redeliver sends it again. "Send test event" queues a
 * `webhook.test` delivery.
 */
@Component({
  selector: 'app-webhook-deliveries-dialog',
  imports: [MatDialogModule, MatButtonModule, ErrorBanner],
  template: `
    <h2 mat-dialog-title>Deliveries to {{ data.url }}</h2>
    <mat-dialog-content data-testid="webhook-deliveries-dialog">
      <div class="bar">
        <button mat-stroked-button type="button" data-testid="deliveries-refresh" (click)="load()">Refresh</button>
        <button
          mat-stroked-button
          type="button"
          data-testid="deliveries-test"
          [disabled]="testing()"
          (click)="sendTest()"
        >
          {{ testing() ? 'Sending…' : 'Send test event' }}
        </button>
      </div>
      @if (error(); as message) {
        <app-error-banner
          action="Could not load the deliveries."
          [message]="message"
          [retryable]="true"
          [backLink]="undefined"
          (retry)="load()"
        />
      } @else if (deliveries(); as list) {
        @if (list.length === 0) {
          <p class="muted" data-testid="deliveries-empty">No deliveries yet. Send a test event to try the receiver.</p>
        } @else {
          <div class="table-wrap">
            <table class="grid" data-testid="deliveries-table">
              <caption class="visually-hidden">
                Deliveries
              </caption>
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Created</th>
                  <th scope="col">State</th>
                  <th scope="col" class="number">Attempts</th>
                  <th scope="col">Status</th>
                  <th scope="col">Next attempt</th>
                  <th scope="col"><span class="visually-hidden">Actions</span></th>
                </tr>
              </thead>
              <tbody>
                @for (d of list; track d.id) {
                  <tr
                    data-testid="delivery-row"
                    [attr.data-id]="d.id"
                    [attr.data-event]="d.eventType"
                    [attr.data-state]="d.state"
                    [class.selected]="selected()?.id === d.id"
                  >
                    <td class="mono">{{ d.eventType }}</td>
                    <td>{{ date(d.createdAt) }}</td>
                    <td>
                      <span class="state {{ d.state }}" data-testid="delivery-state">{{ stateLabel(d.state) }}</span>
                    </td>
                    <td class="number" data-testid="delivery-attempts">{{ d.attempts }}</td>
                    <td data-testid="delivery-status">{{ lastStatus(d) }}</td>
                    <td>{{ d.state === 'pending' ? date(d.nextAttemptAt) : '—' }}</td>
                    <td class="actions">
                      <button
                        mat-button
                        type="button"
                        data-testid="delivery-details"
                        [attr.aria-label]="'Details of the ' + d.eventType + ' delivery of ' + date(d.createdAt)"
                        (click)="open(d)"
                      >
                        Details
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

      @if (detailError(); as message) {
        <app-error-banner action="Could not load the delivery." [message]="message" [backLink]="undefined" />
      }
      @if (selected(); as d) {
        <section class="detail" data-testid="delivery-detail" [attr.data-id]="d.id" aria-labelledby="delivery-title">
          <div class="bar">
            <h3 id="delivery-title">
              <span class="mono">{{ d.eventType }}</span> · {{ stateLabel(d.state) }} · event {{ d.eventId }}
            </h3>
            <button
              mat-flat-button
              type="button"
              data-testid="delivery-redeliver"
              [disabled]="redelivering()"
              (click)="redeliver(d)"
            >
              {{ redelivering() ? 'Redelivering…' : 'Redeliver' }}
            </button>
          </div>
          <h4>Attempts</h4>
          @if (d.attemptLog?.length) {
            <table class="grid" data-testid="delivery-attempts-table">
              <caption class="visually-hidden">
                Attempts
              </caption>
              <thead>
                <tr>
                  <th scope="col">At</th>
                  <th scope="col">Status</th>
                  <th scope="col" class="number">Latency</th>
                  <th scope="col">Error</th>
                </tr>
              </thead>
              <tbody>
                @for (a of d.attemptLog; track $index) {
                  <tr data-testid="delivery-attempt">
                    <td>{{ date(a.at) }}</td>
                    <td data-testid="attempt-status">{{ a.status ?? 'No answer' }}</td>
                    <td class="number">{{ a.latencyMs }} ms</td>
                    <td class="wrap">{{ a.error ?? '' }}</td>
                  </tr>
                }
              </tbody>
            </table>
          } @else {
            <p class="muted">No attempt yet.</p>
          }
          <h4>Body</h4>
          <pre class="body" data-testid="delivery-body" tabindex="0">{{ bodyText(d) }}</pre>
        </section>
      }
    </mat-dialog-content>
    <mat-dialog-actions align="end">
      <button mat-button type="button" mat-dialog-close cdkFocusInitial>Close</button>
    </mat-dialog-actions>
  `,
  styleUrl: '../admin/log-dialog.scss',
  styles: `
    .mono,
    .body {
      font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
      font-size: 0.875em;
    }
    .state {
      padding: 0 0.375rem;
      border-radius: 0.25rem;
      font: var(--mat-sys-label-small);
      background: var(--mat-sys-surface-container-high);
    }
    .state.delivered {
      background: var(--mat-sys-primary-container);
      color: var(--mat-sys-on-primary-container);
    }
    .state.failed {
      background: var(--mat-sys-error-container);
      color: var(--mat-sys-on-error-container);
    }
    .detail {
      margin-top: 1rem;
      padding-top: 0.5rem;
      border-top: 1px solid var(--mat-sys-outline-variant);
    }
    h3 {
      font: var(--mat-sys-title-small);
      margin: 0;
    }
    h4 {
      font: var(--mat-sys-label-large);
      margin: 0.75rem 0 0.25rem;
    }
    .body {
      margin: 0;
      padding: 0.5rem;
      max-height: 20rem;
      overflow: auto;
      background: var(--mat-sys-surface-container);
      border-radius: 4px;
    }
    .muted {
      color: var(--mat-sys-on-surface-variant);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class WebhookDeliveriesDialog {
  private readonly api = inject(WebhooksApi);
  private readonly snackBar = inject(MatSnackBar);
  protected readonly data = inject<Webhook>(MAT_DIALOG_DATA);
  protected readonly deliveries = signal<WebhookDelivery[] | undefined>(undefined);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly selected = signal<WebhookDelivery | undefined>(undefined);
  protected readonly detailError = signal<string | undefined>(undefined);
  protected readonly testing = signal(false);
  protected readonly redelivering = signal(false);
  protected readonly date = formatDate;
  protected readonly lastStatus = lastStatus;

  constructor() {
    this.load();
  }

  protected stateLabel(state: WebhookDeliveryState): string {
    return DELIVERY_STATE_LABELS[state] ?? state;
  }

  protected bodyText(delivery: WebhookDelivery): string {
    return delivery.body === undefined ? '' : JSON.stringify(delivery.body, null, 2);
  }

  /** The list again, and the delivery shown (its attempts may have changed). */
  load(): void {
    this.error.set(undefined);
    this.api.deliveries(this.data.id).subscribe({
      next: (list) => this.deliveries.set(list),
      error: (e: unknown) => this.error.set(errorMessage(e)),
    });
    const shown = this.selected();
    if (shown) this.open(shown);
  }

  protected open(delivery: WebhookDelivery): void {
    this.detailError.set(undefined);
    this.api.delivery(this.data.id, delivery.id).subscribe({
      next: (full) => this.selected.set(full),
      error: (e: unknown) => this.detailError.set(errorMessage(e)),
    });
  }

  protected async sendTest(): Promise<void> {
    this.testing.set(true);
    try {
      await firstValueFrom(this.api.test(this.data.id));
      this.snackBar.open('Test event queued.', undefined, { duration: 4000 });
      this.load();
    } catch (e) {
      this.snackBar.open(`Could not send a test event: ${errorMessage(e)}`, 'Dismiss');
    } finally {
      this.testing.set(false);
    }
  }

  protected async redeliver(delivery: WebhookDelivery): Promise<void> {
    this.redelivering.set(true);
    try {
      await firstValueFrom(this.api.redeliver(this.data.id, delivery.id));
      this.snackBar.open('Redelivery queued.', undefined, { duration: 4000 });
      this.load();
    } catch (e) {
      this.snackBar.open(`Could not redeliver: ${errorMessage(e)}`, 'Dismiss');
    } finally {
      this.redelivering.set(false);
    }
  }
}

export function openDeliveries(dialog: MatDialog, webhook: Webhook): void {
  dialog.open(WebhookDeliveriesDialog, { data: webhook, width: '64rem', maxWidth: '96vw', autoFocus: 'dialog' });
}
