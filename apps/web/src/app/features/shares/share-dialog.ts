import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { RouterLink } from '@angular/router';
import type { CreatedShare, ShareRequest } from '@stockroom/contracts';
import { firstValueFrom } from 'rxjs';
import { errorMessage } from '../../core/http/api-error';
import { formatDate } from '../../shared/format';
import { manageLink, splitPath } from '../../shared/links';
import { CopyButton } from '../file/copy-button';
import { SharesApi } from './shares-api';

export interface ShareDialogData {
  feed: string;
  /** The file's or folder's path in the directory ('' is the whole directory). */
  path: string;
  kind: 'file' | 'folder';
}

/** The expiry choices: minutes from now, or a date and time the user picks. */
export const EXPIRY_PRESETS: readonly { label: string; minutes: number }[] = [
  { label: '1 hour', minutes: 60 },
  { label: '1 day', minutes: 24 * 60 },
  { label: '7 days', minutes: 7 * 24 * 60 },
  { label: '30 days', minutes: 30 * 24 * 60 },
];

type Expiry = number | 'date';

/** `YYYY-MM-DDTHH:mm` in local time, as `<input type="datetime-local">` takes it. */
function localDateTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** Why `value` (the max downloads field) is not a count, or undefined (also when empty: no limit). */
export function maxDownloadsProblem(value: string): string | undefined {
  const text = value.trim();
  if (!text) return undefined;
  return /^[0-9]+$/.test(text) && Number(text) >= 1 && Number.isSafeInteger(Number(text))
    ? undefined
    : 'Enter a whole number of at least 1, or leave it empty for no limit.';
}

/**
 * "Share link…": how long the link lives (a preset or a date), an optional download limit and an
 * optional password; creates it with `POST /api/shares` and then shows its URL, once, to copy.
 * The server's refusal (no privilege, too far ahead, …) is shown in the dialog as it words it.
 */
@Component({
  selector: 'app-share-dialog',
  imports: [
    MatDialogModule,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    RouterLink,
    CopyButton,
  ],
  template: `
    @if (created(); as share) {
      <div data-testid="share-dialog" data-state="created">
        <h2 mat-dialog-title>Link to {{ what }}</h2>
        <mat-dialog-content>
          <div class="field-row">
            <mat-form-field class="wide" subscriptSizing="dynamic">
              <mat-label>Share link</mat-label>
              <input
                matInput
                readonly
                cdkFocusInitial
                data-testid="share-url"
                [value]="share.url"
                (focus)="$any($event.target).select()"
              />
            </mat-form-field>
            <app-copy-button [text]="share.url" what="the share link" testId="share-copy" />
          </div>
          <p data-testid="share-expires">
            Expires {{ formatDate(share.expiresAt) }}.
            @if (limit(); as n) {
              At most {{ n }} download{{ n === 1 ? '' : 's' }}.
            }
            @if (protectedByPassword()) {
              Asks for the password.
            }
          </p>
          <p class="hint">
            Anyone with this link can download {{ what }} without an account. It is shown only now: copy it before
            closing. You can revoke it under
            <a [routerLink]="sharesLink" mat-dialog-close data-testid="share-list-link">the directory's shares</a>.
          </p>
        </mat-dialog-content>
        <mat-dialog-actions align="end">
          <button mat-flat-button type="button" mat-dialog-close data-testid="share-close">Done</button>
        </mat-dialog-actions>
      </div>
    } @else {
      <form (submit)="$event.preventDefault(); submit()" data-testid="share-dialog" data-state="new">
        <h2 mat-dialog-title>Share {{ what }}</h2>
        <mat-dialog-content>
          <p class="hint">A link that serves {{ what }} without an account, until it expires or is revoked.</p>
          <mat-form-field class="wide">
            <mat-label>Expires</mat-label>
            <mat-select data-testid="share-expiry" [value]="expiry()" (selectionChange)="chooseExpiry($event.value)">
              @for (preset of presets; track preset.minutes) {
                <mat-option [value]="preset.minutes">In {{ preset.label }}</mat-option>
              }
              <mat-option value="date">On a date…</mat-option>
            </mat-select>
          </mat-form-field>
          @if (expiry() === 'date') {
            <mat-form-field class="wide">
              <mat-label>Expires at</mat-label>
              <input
                matInput
                type="datetime-local"
                data-testid="share-date"
                [min]="now"
                [value]="date()"
                (input)="date.set($any($event.target).value)"
              />
              @if (dateProblem(); as problem) {
                <mat-hint class="problem" data-testid="share-date-problem">{{ problem }}</mat-hint>
              }
            </mat-form-field>
          }
          <mat-form-field class="wide">
            <mat-label>Maximum downloads (optional)</mat-label>
            <input
              matInput
              type="number"
              min="1"
              step="1"
              inputmode="numeric"
              autocomplete="off"
              data-testid="share-max-downloads"
              [value]="maxDownloads()"
              (input)="maxDownloads.set($any($event.target).value)"
            />
            @if (maxDownloadsProblem(); as problem) {
              <mat-hint class="problem" data-testid="share-max-downloads-problem">{{ problem }}</mat-hint>
            } @else {
              <mat-hint>Only whole downloads count; empty for no limit.</mat-hint>
            }
          </mat-form-field>
          <mat-form-field class="wide">
            <mat-label>Password (optional)</mat-label>
            <input
              matInput
              type="password"
              autocomplete="new-password"
              data-testid="share-password"
              [value]="password()"
              (input)="password.set($any($event.target).value)"
            />
            <mat-hint>Asked by the browser before anything is served.</mat-hint>
          </mat-form-field>
          <div role="alert" class="error" data-testid="share-error">
            @if (error(); as message) {
              <p>Could not create the link: {{ message }}</p>
            }
          </div>
        </mat-dialog-content>
        <mat-dialog-actions align="end">
          <button mat-button type="button" mat-dialog-close data-testid="share-cancel">Cancel</button>
          <button mat-flat-button type="submit" data-testid="share-create" [disabled]="creating() || !!problem()">
            {{ creating() ? 'Creating…' : 'Create link' }}
          </button>
        </mat-dialog-actions>
      </form>
    }
  `,
  styles: `
    .wide {
      width: 100%;
    }
    .field-row {
      display: flex;
      align-items: center;
      gap: 0.25rem;
    }
    .hint {
      color: var(--mat-sys-on-surface-variant);
      font: var(--mat-sys-body-small);
    }
    .problem,
    .error {
      color: var(--mat-sys-error);
    }
    .error p {
      margin: 0.25rem 0;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ShareDialog {
  protected readonly data = inject<ShareDialogData>(MAT_DIALOG_DATA);
  private readonly api = inject(SharesApi);

  protected readonly presets = EXPIRY_PRESETS;
  protected readonly formatDate = formatDate;
  protected readonly now = localDateTime(new Date());
  protected readonly what = ShareDialog.describe(this.data);
  protected readonly sharesLink = manageLink(this.data.feed, 'shares');

  protected readonly expiry = signal<Expiry>(7 * 24 * 60);
  /** The `datetime-local` value; a week ahead to start with. */
  protected readonly date = signal(localDateTime(new Date(Date.now() + 7 * 24 * 3600_000)));
  protected readonly maxDownloads = signal('');
  protected readonly password = signal('');
  protected readonly creating = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly created = signal<CreatedShare | undefined>(undefined);
  /** What the created link was given (shown with it). */
  protected readonly limit = signal<number | undefined>(undefined);
  protected readonly protectedByPassword = signal(false);

  protected readonly dateProblem = computed(() => {
    if (this.expiry() !== 'date') return undefined;
    const value = this.date();
    const time = value ? new Date(value).getTime() : NaN;
    if (Number.isNaN(time)) return 'Enter a date and time.';
    if (time <= Date.now()) return 'Choose a time in the future.';
    return undefined;
  });
  protected readonly maxDownloadsProblem = computed(() => maxDownloadsProblem(String(this.maxDownloads() ?? '')));
  protected readonly problem = computed(() => this.dateProblem() ?? this.maxDownloadsProblem());

  private static describe(data: ShareDialogData): string {
    const name = splitPath(data.path).at(-1);
    if (!name) return `the directory “${data.feed}”`;
    return data.kind === 'folder' ? `the folder “${name}”` : `“${name}”`;
  }

  protected chooseExpiry(value: Expiry): void {
    this.expiry.set(value);
  }

  /** The request the form describes. */
  protected request(): ShareRequest {
    const expiry = this.expiry();
    const max = String(this.maxDownloads() ?? '').trim();
    const password = this.password();
    return {
      feed: this.data.feed,
      path: this.data.path,
      ...(expiry === 'date' ? { expiresAt: new Date(this.date()).toISOString() } : { expiresInMinutes: expiry }),
      ...(max ? { maxDownloads: Number(max) } : {}),
      ...(password ? { password } : {}),
    };
  }

  protected async submit(): Promise<void> {
    if (this.creating() || this.problem()) return;
    const request = this.request();
    this.creating.set(true);
    this.error.set(undefined);
    try {
      const share = await firstValueFrom(this.api.create(request));
      this.limit.set(request.maxDownloads);
      this.protectedByPassword.set(request.password !== undefined);
      this.created.set(share);
    } catch (e) {
      this.error.set(errorMessage(e));
    } finally {
      this.creating.set(false);
    }
  }
}
