import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialog, MatDialogModule } from '@angular/material/dialog';
import { MatPaginatorModule, type PageEvent } from '@angular/material/paginator';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import type { RetentionRun } from '@stockroom/contracts';
import { errorMessage } from '../../core/http/api-error';
import { ErrorBanner } from '../../shared/error-banner';
import { formatBytes, formatDate } from '../../shared/format';
import { RetentionApi } from './retention-api';
import { RetentionFilesTable } from './retention-files-table';

export const LOG_PAGE_SIZE = 50;

/** One run: its counters and its per-file log, a page at a time. */
@Component({
  selector: 'app-run-log-dialog',
  imports: [
    MatDialogModule,
    MatButtonModule,
    MatPaginatorModule,
    MatProgressBarModule,
    RetentionFilesTable,
    ErrorBanner,
  ],
  template: `
    @let r = run();
    <h2 mat-dialog-title>Run #{{ r.id }}{{ r.directory ? ' of ' + r.directory : ' (maintenance)' }}</h2>
    <mat-dialog-content data-testid="run-log">
      <dl class="facts">
        <div>
          <dt>State</dt>
          <dd>{{ r.state }}{{ r.dryRun ? ' (dry run)' : '' }}</dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{{ date(r.startedAt) }} by {{ r.startedBy }} ({{ r.trigger }})</dd>
        </div>
        <div>
          <dt>Finished</dt>
          <dd>{{ date(r.finishedAt) }}</dd>
        </div>
        @if (r.kind === 'retention') {
          <div>
            <dt>Files</dt>
            <dd>
              {{ r.selectedFiles }} selected ({{ bytes(r.selectedBytes) }}), {{ r.handledFiles }} handled,
              {{ r.deletedFiles }} deleted, {{ r.skippedFiles }} skipped
            </dd>
          </div>
          <div>
            <dt>Freed</dt>
            <dd>{{ bytes(r.freedBytes) }}, {{ r.foldersRemoved }} empty folder(s) removed</dd>
          </div>
        }
        @if (r.details) {
          <div>
            <dt>Details</dt>
            <dd>{{ detailsText() }}</dd>
          </div>
        }
        @if (r.error) {
          <div class="error">
            <dt>Error</dt>
            <dd>{{ r.error }}</dd>
          </div>
        }
      </dl>
      @if (error(); as message) {
        <app-error-banner
          action="Could not load the run's log."
          [message]="message"
          [retryable]="true"
          [backLink]="undefined"
          (retry)="load()"
        />
      }
      @if (r.kind === 'retention') {
        <div class="loading">
          @if (loading()) {
            <mat-progress-bar mode="indeterminate" aria-label="Loading the log" />
          }
        </div>
        <app-retention-files-table mode="log" label="Per-file log" [files]="r.files ?? []" [loading]="loading()" />
        @if (r.selectedFiles === 0 && !loading()) {
          <p>This run selected no files.</p>
        }
        <mat-paginator
          [length]="r.selectedFiles"
          [pageIndex]="pageIndex()"
          [pageSize]="pageSize()"
          [pageSizeOptions]="[25, 50, 100, 200]"
          (page)="page($event)"
          aria-label="Pages of the log"
        />
      }
    </mat-dialog-content>
    <mat-dialog-actions align="end">
      <button mat-button type="button" mat-dialog-close cdkFocusInitial>Close</button>
    </mat-dialog-actions>
  `,
  styles: `
    .facts {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(16rem, 1fr));
      gap: 0.25rem 1rem;
      margin: 0 0 0.75rem;
    }
    dt {
      font-size: 0.8em;
      color: var(--mat-sys-on-surface-variant);
    }
    dd {
      margin: 0;
    }
    .error {
      color: var(--mat-sys-error);
    }
    .loading {
      height: 4px;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RunLogDialog {
  private readonly api = inject(RetentionApi);
  protected readonly run = signal(inject<RetentionRun>(MAT_DIALOG_DATA));
  protected readonly pageIndex = signal(0);
  protected readonly pageSize = signal(LOG_PAGE_SIZE);
  protected readonly loading = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly date = formatDate;
  protected readonly bytes = formatBytes;

  constructor() {
    this.load();
  }

  protected detailsText(): string {
    return Object.entries(this.run().details ?? {})
      .map(([k, v]) => `${k}: ${String(v)}`)
      .join(', ');
  }

  protected page(event: PageEvent): void {
    this.pageIndex.set(event.pageIndex);
    this.pageSize.set(event.pageSize);
    this.load();
  }

  protected load(): void {
    this.loading.set(true);
    this.error.set(undefined);
    const size = this.pageSize();
    this.api.getRun(this.run().id, { offset: this.pageIndex() * size, limit: size }).subscribe({
      next: (run) => {
        this.run.set(run);
        this.loading.set(false);
      },
      error: (e: unknown) => {
        this.error.set(errorMessage(e));
        this.loading.set(false);
      },
    });
  }
}

export function openRunLog(dialog: MatDialog, run: RetentionRun): void {
  dialog.open(RunLogDialog, { data: run, width: '72rem', maxWidth: '96vw', autoFocus: 'dialog' });
}
