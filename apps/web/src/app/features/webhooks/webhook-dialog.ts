import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import {
  type AbstractControl,
  NonNullableFormBuilder,
  ReactiveFormsModule,
  type ValidationErrors,
  Validators,
} from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MAT_DIALOG_DATA, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import {
  type CreateWebhookRequest,
  WEBHOOK_EVENT_TYPES,
  type Webhook,
  type WebhookEventType,
} from '@stockroom/contracts';
import { firstValueFrom } from 'rxjs';
import { saveAndClose } from '../../shared/save-and-close';
import { upstreamUrlProblem } from '../connectors/connector-tab';
import { WEBHOOK_EVENT_LABELS, WebhooksApi } from './webhooks-api';

export interface WebhookDialogData {
  /** The directory; null = a global webhook. */
  feed: string | null;
}

/** The least the server takes for an HMAC key. */
export const WEBHOOK_SECRET_MIN = 16;

/** A random secret (32 hex digits from the browser's CSPRNG). */
export function randomSecret(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function urlValidator(control: AbstractControl<string>): ValidationErrors | null {
  const problem = upstreamUrlProblem(String(control.value ?? ''));
  return problem ? { url: problem } : null;
}

/** The events of a directory's webhook: every type but the global ones is useful; all are allowed. */
const DEFAULT_EVENTS: readonly WebhookEventType[] = ['file.created', 'file.updated', 'file.deleted'];

/** New webhook: URL, events, secret. Closes with the created webhook. */
@Component({
  selector: 'app-webhook-dialog',
  imports: [
    ReactiveFormsModule,
    MatDialogModule,
    MatFormFieldModule,
    MatInputModule,
    MatCheckboxModule,
    MatButtonModule,
  ],
  template: `
    <h2 mat-dialog-title>New webhook{{ data.feed === null ? ' (all directories)' : ' for ' + data.feed }}</h2>
    <form [formGroup]="form" (ngSubmit)="submit()" novalidate data-testid="webhook-dialog">
      <mat-dialog-content>
        <mat-form-field appearance="outline" subscriptSizing="dynamic">
          <mat-label>Payload URL</mat-label>
          <input
            matInput
            type="url"
            formControlName="url"
            required
            autocomplete="off"
            spellcheck="false"
            cdkFocusInitial
            data-testid="webhook-url"
          />
          <mat-hint>Receives a signed JSON POST for each event.</mat-hint>
          @if (form.controls.url.errors?.['url']; as problem) {
            <mat-error>{{ problem }}</mat-error>
          } @else if (form.controls.url.errors?.['required']) {
            <mat-error>Enter the receiver's address.</mat-error>
          }
        </mat-form-field>
        <fieldset formGroupName="events" data-testid="webhook-events">
          <legend>Events</legend>
          <div class="checks">
            @for (event of events; track event.type) {
              <mat-checkbox [formControlName]="event.type" [attr.data-testid]="'webhook-event-' + event.type">
                <span class="mono">{{ event.type }}</span> — {{ event.label }}
              </mat-checkbox>
            }
          </div>
          @if (form.controls.events.errors?.['none'] && form.controls.events.touched) {
            <p class="error">Choose at least one event.</p>
          }
        </fieldset>
        <div class="secret">
          <mat-form-field appearance="outline" subscriptSizing="dynamic">
            <mat-label>Secret</mat-label>
            <input
              matInput
              formControlName="secret"
              required
              autocomplete="off"
              spellcheck="false"
              data-testid="webhook-secret"
            />
            <mat-hint>
              Signs each delivery (X-Stockroom-Signature, HMAC-SHA256). At least {{ secretMin }} characters; it cannot
              be read back.
            </mat-hint>
            @if (form.controls.secret.invalid) {
              <mat-error>At least {{ secretMin }} characters.</mat-error>
            }
          </mat-form-field>
          <button mat-stroked-button type="button" (click)="generate()">Generate</button>
        </div>
        <mat-checkbox formControlName="active" data-testid="webhook-active">Active</mat-checkbox>
        <div role="alert" class="error">{{ error() }}</div>
      </mat-dialog-content>
      <mat-dialog-actions align="end">
        <button mat-button type="button" mat-dialog-close [disabled]="submitting()">Cancel</button>
        <button mat-flat-button type="submit" [disabled]="submitting()" data-testid="webhook-create">
          {{ submitting() ? 'Creating…' : 'Create' }}
        </button>
      </mat-dialog-actions>
    </form>
  `,
  styleUrl: '../admin/dialog.scss',
  styles: `
    .secret {
      display: flex;
      gap: 0.5rem;
      align-items: flex-start;
    }
    .secret mat-form-field {
      flex: 1;
    }
    .secret button {
      margin-top: 0.5rem;
    }
    .mono {
      font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
      font-size: 0.875em;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class WebhookDialog {
  private readonly api = inject(WebhooksApi);
  private readonly dialogRef = inject<MatDialogRef<WebhookDialog, Webhook>>(MatDialogRef);
  protected readonly data = inject<WebhookDialogData>(MAT_DIALOG_DATA);
  protected readonly secretMin = WEBHOOK_SECRET_MIN;
  protected readonly events = WEBHOOK_EVENT_TYPES.map((type) => ({ type, label: WEBHOOK_EVENT_LABELS[type] }));
  private readonly fb = inject(NonNullableFormBuilder);
  protected readonly form = this.fb.group({
    url: ['', [Validators.required, urlValidator]],
    events: this.fb.group(
      Object.fromEntries(WEBHOOK_EVENT_TYPES.map((type) => [type, [DEFAULT_EVENTS.includes(type)]])) as Record<
        WebhookEventType,
        [boolean]
      >,
      {
        validators: (group: AbstractControl) =>
          Object.values(group.value as Record<string, boolean>).some(Boolean) ? null : { none: true },
      },
    ),
    secret: [randomSecret(), [Validators.required, Validators.minLength(WEBHOOK_SECRET_MIN)]],
    active: [true],
  });
  protected readonly submitting = signal(false);
  protected readonly error = signal<string | undefined>(undefined);

  protected generate(): void {
    this.form.controls.secret.setValue(randomSecret());
  }

  protected async submit(): Promise<void> {
    if (this.submitting()) return;
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    const value = this.form.getRawValue();
    const request: CreateWebhookRequest = {
      url: value.url.trim(),
      events: WEBHOOK_EVENT_TYPES.filter((type) => value.events[type]),
      feed: this.data.feed,
      secret: value.secret,
      active: value.active,
    };
    await saveAndClose({ submitting: this.submitting, error: this.error, dialogRef: this.dialogRef }, () =>
      firstValueFrom(this.api.create(request)),
    );
  }
}
