import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { MatTableModule } from '@angular/material/table';
import { AuditAction, type AuditEvent, type AuditPage as AuditPageData } from '@stockroom/contracts';
import type { Subscription } from 'rxjs';
import { errorMessage } from '../../core/http/api-error';
import { ErrorBanner } from '../../shared/error-banner';
import { formatDate } from '../../shared/format';
import { AuditApi, type AuditQuery } from './audit-api';
import { auditActionLabel } from './labels';

export const AUDIT_PAGE_SIZES = [25, 50, 100, 250];

const CREDENTIAL_LABELS: Record<string, string> = {
  anonymous: 'anonymous',
  session: 'console',
  password: 'password',
  'pseudo-key': 'user:password key',
  'api-key': 'API key',
  'signed-url': 'signed URL',
};

/** A `datetime-local` value (local time) as ISO-8601, or undefined. */
function instant(local: string): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** /admin/audit: the audit log, newest first, filtered on the server, paged with `before`. */
@Component({
  selector: 'app-audit-page',
  imports: [
    ReactiveFormsModule,
    MatTableModule,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    ErrorBanner,
  ],
  templateUrl: './audit-page.html',
  styleUrls: ['./admin-page.scss', './audit-page.scss'],
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class AuditPage {
  private readonly api = inject(AuditApi);

  protected readonly actions = Object.values(AuditAction).map((value) => ({ value, label: auditActionLabel(value) }));
  protected readonly pageSizes = AUDIT_PAGE_SIZES;
  protected readonly form = inject(NonNullableFormBuilder).group({
    actions: [[] as AuditAction[]],
    user: [''],
    feed: [''],
    from: [''],
    to: [''],
    limit: [50],
  });
  protected readonly columns = ['at', 'actor', 'action', 'target', 'address', 'details'];
  protected readonly page = signal<AuditPageData | undefined>(undefined);
  protected readonly loading = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  /** `before` cursors of the pages before this one (undefined = the newest page). */
  private readonly cursors = signal<(number | undefined)[]>([]);
  protected readonly pageNumber = () => this.cursors().length + 1;
  private filters: AuditQuery = {};
  private before: number | undefined;
  private request?: Subscription;
  protected readonly formatDate = formatDate;
  protected readonly actionLabel = auditActionLabel;

  constructor() {
    this.apply();
  }

  /** Reads the filters and shows the newest matching events. */
  protected apply(): void {
    const value = this.form.getRawValue();
    this.filters = {
      actions: value.actions,
      user: value.user.trim() || undefined,
      feed: value.feed.trim() || undefined,
      from: instant(value.from),
      to: instant(value.to),
      limit: value.limit,
    };
    this.cursors.set([]);
    this.before = undefined;
    this.load();
  }

  protected clear(): void {
    this.form.reset();
    this.apply();
  }

  protected older(): void {
    const next = this.page()?.next;
    if (next === undefined) return;
    this.cursors.update((c) => [...c, this.before]);
    this.before = next;
    this.load();
  }

  protected newer(): void {
    const cursors = this.cursors();
    if (cursors.length === 0) return;
    this.before = cursors[cursors.length - 1];
    this.cursors.set(cursors.slice(0, -1));
    this.load();
  }

  protected load(): void {
    this.request?.unsubscribe();
    this.loading.set(true);
    this.error.set(undefined);
    this.request = this.api.list({ ...this.filters, before: this.before }).subscribe({
      next: (page) => {
        this.page.set(page);
        this.loading.set(false);
      },
      error: (e: unknown) => {
        this.error.set(errorMessage(e));
        this.loading.set(false);
      },
    });
  }

  protected credential(event: AuditEvent): string {
    return CREDENTIAL_LABELS[event.credential] ?? event.credential;
  }

  protected details(event: AuditEvent): string {
    return Object.entries(event.details ?? {})
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : v}`)
      .join('; ');
  }
}
