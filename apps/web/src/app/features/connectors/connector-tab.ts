import { ChangeDetectionStrategy, Component, computed, effect, inject, input, output, signal } from '@angular/core';
import {
  type AbstractControl,
  NonNullableFormBuilder,
  ReactiveFormsModule,
  type ValidationErrors,
  Validators,
} from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatDialog } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { MatSnackBar } from '@angular/material/snack-bar';
import { RouterLink } from '@angular/router';
import {
  CONNECTOR_DEFAULTS,
  type ConnectorSettings,
  type ConnectorStatus,
  type ConnectorType,
  type Feed,
  MASKED_SECRET,
  Privilege,
  type UpdateFeedRequest,
} from '@stockroom/contracts';
import { firstValueFrom } from 'rxjs';
import { AuthStore } from '../../core/auth/auth-store';
import { errorMessage } from '../../core/http/api-error';
import { confirmAction } from '../../shared/confirm-dialog';
import { ErrorBanner } from '../../shared/error-banner';
import { formatBytes, formatDate } from '../../shared/format';
import { browseLink } from '../../shared/links';
import { FeedsApi } from '../feeds/feeds-api';
import { ConnectorApi } from './connector-api';

export type ConnectorAuth = 'none' | 'basic' | 'apiKey';

export const CONNECTOR_TYPE_LABELS: Readonly<Record<ConnectorType, string>> = {
  http: 'HTTP file source (a web server, a CDN, a release site)',
  stockroom: 'Stockroom or ProGet asset directory',
};

/** An absolute http(s) URL, or a problem to show. */
export function upstreamUrlProblem(value: string): string | undefined {
  const text = value.trim();
  if (!text) return undefined; // `required` speaks for empty fields
  try {
    const url = new URL(text);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'Use an http:// or https:// address.';
    return undefined;
  } catch {
    return 'Enter a full address, such as https://example.org/releases/.';
  }
}

function urlValidator(control: AbstractControl<string>): ValidationErrors | null {
  const problem = upstreamUrlProblem(String(control.value ?? ''));
  return problem ? { url: problem } : null;
}

function integer(control: AbstractControl<number | null>): ValidationErrors | null {
  const value = control.value;
  return value === null || Number.isInteger(Number(value)) ? null : { integer: true };
}

/** The `connector` object the form's values send: secrets only for the chosen kind of credentials. */
export function connectorRequest(values: {
  type: ConnectorType;
  url: string;
  auth: ConnectorAuth;
  username: string;
  password: string;
  apiKey: string;
  cacheMinutes: number;
  negativeCacheMinutes: number;
  timeoutSeconds: number;
  offline: boolean;
}): NonNullable<UpdateFeedRequest['connector']> {
  const connector: NonNullable<UpdateFeedRequest['connector']> = {
    type: values.type,
    url: values.url.trim(),
    cacheMinutes: Number(values.cacheMinutes),
    negativeCacheMinutes: Number(values.negativeCacheMinutes),
    timeoutSeconds: Number(values.timeoutSeconds),
    offline: values.offline,
  };
  if (values.auth === 'basic') {
    connector.username = values.username;
    connector.password = values.password;
  } else if (values.auth === 'apiKey') {
    connector.apiKey = values.apiKey;
  }
  return connector;
}

function authOf(connector: ConnectorSettings | null | undefined): ConnectorAuth {
  if (connector?.apiKey) return 'apiKey';
  if (connector?.username || connector?.password) return 'basic';
  return 'none';
}

/**
 * The "Connector" tab of a directory: its upstream. Administrators add, change and remove it (the
 * server refuses anyone else); managers see it read-only with its status (cached files, hit rate,
 * errors, the last error and fetch). A `stockroom` upstream can be browsed from the browse view.
 */
@Component({
  selector: 'app-connector-tab',
  imports: [
    ReactiveFormsModule,
    RouterLink,
    MatButtonModule,
    MatCheckboxModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    ErrorBanner,
  ],
  template: `
    <h2 id="connector-title">Connector</h2>
    <p class="intro">
      A connector pulls files this directory does not have from an upstream the first time they are asked for, keeps
      them, and serves them from here afterwards. Files uploaded here take precedence.
    </p>
    @if (!connector() && !editing()) {
      <p class="muted" data-testid="connector-none">This directory has no connector.</p>
      @if (isAdministrator()) {
        <button mat-flat-button type="button" data-testid="connector-add" (click)="startEditing()">
          Add a connector
        </button>
      } @else {
        <p class="hint plain">Only administrators can add a connector.</p>
      }
    } @else {
      <form
        [formGroup]="form"
        (ngSubmit)="save()"
        novalidate
        aria-labelledby="connector-title"
        data-testid="connector-form"
      >
        <mat-form-field appearance="outline" subscriptSizing="dynamic">
          <mat-label>Upstream type</mat-label>
          <mat-select formControlName="type" data-testid="connector-type">
            @for (t of types; track t.value) {
              <mat-option [value]="t.value">{{ t.label }}</mat-option>
            }
          </mat-select>
        </mat-form-field>
        <mat-form-field appearance="outline" subscriptSizing="dynamic">
          <mat-label>Upstream URL</mat-label>
          <input
            matInput
            formControlName="url"
            type="url"
            autocomplete="off"
            spellcheck="false"
            required
            data-testid="connector-url"
          />
          <mat-hint>
            @if (form.controls.type.value === 'stockroom') {
              The remote directory's ProGet URL: https://host/endpoints/directory/
            } @else {
              The base URL a file's path is appended to: https://example.org/releases/
            }
          </mat-hint>
          @if (form.controls.url.errors?.['url']; as problem) {
            <mat-error>{{ problem }}</mat-error>
          } @else if (form.controls.url.errors?.['required']) {
            <mat-error>Enter the upstream's address.</mat-error>
          }
        </mat-form-field>
        <mat-form-field appearance="outline" subscriptSizing="dynamic">
          <mat-label>Credentials</mat-label>
          <mat-select formControlName="auth" data-testid="connector-auth">
            <mat-option value="none">None</mat-option>
            <mat-option value="basic">User name and password</mat-option>
            <mat-option value="apiKey">API key (X-ApiKey)</mat-option>
          </mat-select>
        </mat-form-field>
        @if (form.controls.auth.value === 'basic') {
          <div class="pair">
            <mat-form-field appearance="outline" subscriptSizing="dynamic">
              <mat-label>User name</mat-label>
              <input matInput formControlName="username" autocomplete="off" data-testid="connector-username" />
            </mat-form-field>
            <mat-form-field appearance="outline" subscriptSizing="dynamic">
              <mat-label>Password</mat-label>
              <input
                matInput
                type="password"
                formControlName="password"
                autocomplete="new-password"
                data-testid="connector-password"
              />
              <mat-hint>“{{ masked }}” keeps the saved one</mat-hint>
            </mat-form-field>
          </div>
        } @else if (form.controls.auth.value === 'apiKey') {
          <mat-form-field appearance="outline" subscriptSizing="dynamic">
            <mat-label>API key</mat-label>
            <input
              matInput
              type="password"
              formControlName="apiKey"
              autocomplete="new-password"
              data-testid="connector-api-key"
            />
            <mat-hint>“{{ masked }}” keeps the saved one</mat-hint>
          </mat-form-field>
        }
        <div class="pair">
          <mat-form-field appearance="outline" subscriptSizing="dynamic">
            <mat-label>Cache minutes</mat-label>
            <input
              matInput
              type="number"
              min="0"
              step="1"
              formControlName="cacheMinutes"
              data-testid="connector-cache"
            />
            <mat-hint>Served without asking the upstream again</mat-hint>
            @if (form.controls.cacheMinutes.invalid) {
              <mat-error>A whole number, 0 or more.</mat-error>
            }
          </mat-form-field>
          <mat-form-field appearance="outline" subscriptSizing="dynamic">
            <mat-label>Negative cache minutes</mat-label>
            <input
              matInput
              type="number"
              min="0"
              step="1"
              formControlName="negativeCacheMinutes"
              data-testid="connector-negative-cache"
            />
            <mat-hint>How long a “not found” is remembered</mat-hint>
            @if (form.controls.negativeCacheMinutes.invalid) {
              <mat-error>A whole number, 0 or more.</mat-error>
            }
          </mat-form-field>
          <mat-form-field appearance="outline" subscriptSizing="dynamic">
            <mat-label>Timeout (seconds)</mat-label>
            <input
              matInput
              type="number"
              min="1"
              step="1"
              formControlName="timeoutSeconds"
              data-testid="connector-timeout"
            />
            @if (form.controls.timeoutSeconds.invalid) {
              <mat-error>A whole number, 1 or more.</mat-error>
            }
          </mat-form-field>
        </div>
        <mat-checkbox formControlName="offline" data-testid="connector-offline">
          Offline: serve only what is cached, never contact the upstream
        </mat-checkbox>
        <div role="alert" class="error">{{ error() }}</div>
        @if (isAdministrator()) {
          <div class="actions">
            <button
              mat-flat-button
              type="submit"
              [disabled]="saving() || (form.pristine && !!connector())"
              data-testid="connector-save"
            >
              {{ saving() ? 'Saving…' : 'Save' }}
            </button>
            @if (connector()) {
              <button
                mat-stroked-button
                type="button"
                class="danger"
                [disabled]="saving()"
                data-testid="connector-remove"
                (click)="remove()"
              >
                Remove connector
              </button>
            } @else {
              <button mat-button type="button" (click)="editing.set(false)">Cancel</button>
            }
          </div>
        } @else {
          <p class="hint plain" data-testid="connector-read-only">Only administrators can change the connector.</p>
        }
      </form>
    }

    @if (connector(); as saved) {
      @if (saved.type === 'stockroom') {
        <p>
          <a
            mat-stroked-button
            data-testid="connector-browse-upstream"
            [routerLink]="browseLink()"
            [queryParams]="{ upstream: 'true' }"
          >
            Browse the upstream
          </a>
        </p>
      }
      @if (canManage()) {
        <section class="status" aria-labelledby="connector-status-title" data-testid="connector-status">
          <div class="status-head">
            <h3 id="connector-status-title">Status</h3>
            <button mat-button type="button" data-testid="connector-status-refresh" (click)="refresh()">Refresh</button>
          </div>
          @if (statusError(); as message) {
            <app-error-banner
              action="Could not load the connector's status."
              [message]="message"
              [retryable]="true"
              [backLink]="undefined"
              (retry)="refresh()"
            />
          } @else if (status(); as s) {
            <dl class="facts">
              <div>
                <dt>Cached files</dt>
                <dd data-testid="connector-cached">{{ s.cachedFiles }} ({{ bytes(s.cachedBytes) }})</dd>
              </div>
              <div>
                <dt>Cache hit rate</dt>
                <dd data-testid="connector-hit-rate">
                  {{ percent(s.hitRate) }} ({{ s.hits }} hit{{ s.hits === 1 ? '' : 's' }}, {{ s.misses }} miss{{
                    s.misses === 1 ? '' : 'es'
                  }})
                </dd>
              </div>
              <div>
                <dt>Errors</dt>
                <dd data-testid="connector-errors">{{ s.errors }}</dd>
              </div>
              <div>
                <dt>Last fetch</dt>
                <dd data-testid="connector-last-fetch">{{ date(s.lastFetchAt) }}</dd>
              </div>
              <div class="wide">
                <dt>Last error</dt>
                <dd data-testid="connector-last-error">
                  @if (s.lastError; as e) {
                    <span class="error-text">{{ e.message }}</span>
                    <span class="muted"> — /{{ e.path }}, {{ date(e.at) }}</span>
                  } @else {
                    None
                  }
                </dd>
              </div>
            </dl>
          } @else {
            <p class="muted" aria-live="polite">Loading…</p>
          }
        </section>
      }
    }
  `,
  styles: `
    :host {
      display: block;
      max-width: 48rem;
    }
    h2 {
      font: var(--mat-sys-title-medium);
      margin: 0 0 0.5rem;
    }
    h3 {
      font: var(--mat-sys-title-small);
      margin: 0;
    }
    .intro,
    .muted,
    .hint {
      color: var(--mat-sys-on-surface-variant);
    }
    .intro {
      margin: 0 0 1rem;
    }
    .hint {
      font: var(--mat-sys-body-small);
    }
    form {
      display: flex;
      flex-direction: column;
      gap: 0.75rem;
    }
    .pair {
      display: flex;
      flex-wrap: wrap;
      align-items: flex-start;
      gap: 0.75rem;
    }
    .pair > * {
      flex: 1 1 12rem;
    }
    .error {
      min-height: 1.5rem;
      color: var(--mat-sys-error);
    }
    .actions {
      display: flex;
      gap: 0.5rem;
    }
    .danger {
      --mat-button-outlined-label-text-color: var(--mat-sys-error);
      --mat-button-outlined-outline-color: var(--mat-sys-error);
    }
    .status {
      margin-top: 1.5rem;
      padding: 1rem;
      border: 1px solid var(--mat-sys-outline-variant);
      border-radius: 8px;
    }
    .status-head {
      display: flex;
      align-items: center;
      justify-content: space-between;
    }
    .facts {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr));
      gap: 0.5rem 1rem;
      margin: 0.5rem 0 0;
    }
    .facts .wide {
      grid-column: 1 / -1;
    }
    dt {
      font: var(--mat-sys-label-medium);
      color: var(--mat-sys-on-surface-variant);
    }
    dd {
      margin: 0;
      overflow-wrap: anywhere;
    }
    .error-text {
      color: var(--mat-sys-error);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ConnectorTab {
  private readonly feeds = inject(FeedsApi);
  private readonly api = inject(ConnectorApi);
  private readonly auth = inject(AuthStore);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);

  readonly feed = input.required<Feed>();
  /** Manage Feed here: sees the status. */
  readonly canManage = input(false);
  readonly saved = output<Feed>();

  protected readonly masked = MASKED_SECRET;
  protected readonly types = Object.entries(CONNECTOR_TYPE_LABELS).map(([value, label]) => ({
    value: value as ConnectorType,
    label,
  }));
  protected readonly form = inject(NonNullableFormBuilder).group({
    type: ['http' as ConnectorType],
    url: ['', [Validators.required, urlValidator]],
    auth: ['none' as ConnectorAuth],
    username: [''],
    password: [''],
    apiKey: [''],
    cacheMinutes: [CONNECTOR_DEFAULTS.cacheMinutes, [Validators.required, Validators.min(0), integer]],
    negativeCacheMinutes: [CONNECTOR_DEFAULTS.negativeCacheMinutes, [Validators.required, Validators.min(0), integer]],
    timeoutSeconds: [CONNECTOR_DEFAULTS.timeoutSeconds, [Validators.required, Validators.min(1), integer]],
    offline: [CONNECTOR_DEFAULTS.offline],
  });
  protected readonly connector = computed(() => this.feed().connector ?? null);
  protected readonly isAdministrator = computed(
    () => this.auth.principal()?.privileges.includes(Privilege.Administer) === true,
  );
  protected readonly browseLink = computed(() => browseLink(this.feed().name));
  /** Adding a connector to a directory without one. */
  protected readonly editing = signal(false);
  protected readonly saving = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly status = signal<ConnectorStatus | undefined>(undefined);
  protected readonly statusError = signal<string | undefined>(undefined);
  private readonly reloads = signal(0);
  protected readonly bytes = formatBytes;
  protected readonly date = formatDate;

  constructor() {
    effect(() => {
      const connector = this.connector();
      this.form.reset(valuesOf(connector));
      if (this.isAdministrator()) this.form.enable();
      else this.form.disable();
    });
    effect((onCleanup) => {
      const feed = this.feed().name;
      const has = this.connector() !== null;
      this.reloads();
      this.status.set(undefined);
      this.statusError.set(undefined);
      if (!has || !this.canManage()) return;
      const request = this.api.status(feed).subscribe({
        next: (status) => this.status.set(status),
        error: (e: unknown) => this.statusError.set(errorMessage(e)),
      });
      onCleanup(() => request.unsubscribe());
    });
  }

  protected percent(rate: number): string {
    return `${(Math.round(rate * 1000) / 10).toString()} %`;
  }

  protected refresh(): void {
    this.reloads.update((n) => n + 1);
  }

  protected startEditing(): void {
    this.form.reset(valuesOf(null));
    this.error.set(undefined);
    this.editing.set(true);
  }

  protected async save(): Promise<void> {
    if (this.saving()) return;
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    await this.update({ connector: connectorRequest(this.form.getRawValue()) }, 'Connector saved.');
  }

  protected async remove(): Promise<void> {
    const feed = this.feed();
    const confirmed = await confirmAction(this.dialog, {
      title: 'Remove the connector?',
      message: `“${feed.name}” stops asking its upstream for files it does not have. Files already fetched stay.`,
      details: [this.connector()?.url ?? ''],
      confirmLabel: 'Remove',
      destructive: true,
    });
    if (!confirmed) return;
    await this.update({ connector: null }, 'Connector removed.');
  }

  private async update(request: UpdateFeedRequest, done: string): Promise<void> {
    this.saving.set(true);
    this.error.set(undefined);
    try {
      const updated = await firstValueFrom(this.feeds.update(this.feed().name, request));
      this.editing.set(false);
      this.saved.emit(updated);
      this.snackBar.open(done, 'OK', { duration: 4000 });
    } catch (e) {
      this.error.set(errorMessage(e));
    } finally {
      this.saving.set(false);
    }
  }
}

function valuesOf(connector: ConnectorSettings | null) {
  return {
    type: connector?.type ?? ('http' as ConnectorType),
    url: connector?.url ?? '',
    auth: authOf(connector),
    username: connector?.username ?? '',
    password: connector?.password ?? '',
    apiKey: connector?.apiKey ?? '',
    cacheMinutes: connector?.cacheMinutes ?? CONNECTOR_DEFAULTS.cacheMinutes,
    negativeCacheMinutes: connector?.negativeCacheMinutes ?? CONNECTOR_DEFAULTS.negativeCacheMinutes,
    timeoutSeconds: connector?.timeoutSeconds ?? CONNECTOR_DEFAULTS.timeoutSeconds,
    offline: connector?.offline ?? CONNECTOR_DEFAULTS.offline,
  };
}
