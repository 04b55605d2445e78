import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, type MatDialog, MatDialogModule } from '@angular/material/dialog';
import type { ReplicationJob, ReplicationRun } from '@stockroom/contracts';
import { errorMessage } from '../../core/http/api-error';
import { ErrorBanner } from '../../shared/error-banner';
import { formatBytes, formatDate } from '../../shared/format';
import { ReplicationApi } from './replication-api';

export const RUN_STATE_LABELS: Readonly<Record<ReplicationRun['state'], string>> = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
};

/**
 * A replication job's runs (newest first: state, counters, bytes) and, for the one opened, its
 * details: the counters, the error, and the per-file log (copied, deleted, failed with reasons).
 */
@Component({
  selector: 'app-replication-runs-dialog',
  imports: [MatDialogModule, MatButtonModule, ErrorBanner],
  template: `
    <h2 mat-dialog-title>Runs of {{ data.feed }} {{ arrow(data) }} {{ data.remoteFeed }}</h2>
    <mat-dialog-content data-testid="replication-runs-dialog">
      <div class="bar">
        <span class="muted">{{ data.mode }} · {{ data.remoteUrl }}</span>
        <button mat-stroked-button type="button" data-testid="runs-refresh" (click)="load()">Refresh</button>
      </div>
      @if (error(); as message) {
        <app-error-banner
          action="Could not load the runs."
          [message]="message"
          [retryable]="true"
          [backLink]="undefined"
          (retry)="load()"
        />
      } @else if (runs(); as list) {
        @if (list.length === 0) {
          <p class="muted" data-testid="runs-empty">No runs yet.</p>
        } @else {
          <div class="table-wrap">
            <table class="grid" data-testid="runs-table">
              <caption class="visually-hidden">
                Runs
              </caption>
              <thead>
                <tr>
                  <th scope="col">Started</th>
                  <th scope="col">Trigger</th>
                  <th scope="col">State</th>
                  <th scope="col" class="number">Compared</th>
                  <th scope="col" class="number">Copied</th>
                  <th scope="col" class="number">Deleted</th>
                  <th scope="col" class="number">Unchanged</th>
                  <th scope="col" class="number">Failed</th>
                  <th scope="col" class="number">Bytes</th>
                  <th scope="col"><span class="visually-hidden">Actions</span></th>
                </tr>
              </thead>
              <tbody>
                @for (r of list; track r.id) {
                  <tr
                    data-testid="run-row"
                    [attr.data-id]="r.id"
                    [attr.data-state]="r.state"
                    [class.selected]="selected()?.id === r.id"
                  >
                    <td>
                      {{ date(r.startedAt) }} <span class="muted">by {{ r.startedBy }}</span>
                    </td>
                    <td>{{ r.trigger }}</td>
                    <td>
                      <span class="state {{ r.state }}">{{ stateLabel(r) }}</span>
                    </td>
                    <td class="number">{{ r.comparedFiles }}</td>
                    <td class="number" data-testid="run-copied">{{ r.copiedFiles }}</td>
                    <td class="number">{{ r.deletedFiles }}</td>
                    <td class="number">{{ r.skippedFiles }}</td>
                    <td class="number">{{ r.failedFiles }}</td>
                    <td class="number">{{ bytes(r.bytes) }}</td>
                    <td class="actions">
                      <button
                        mat-button
                        type="button"
                        data-testid="run-details"
                        [attr.aria-label]="'Details of the run of ' + date(r.startedAt)"
                        (click)="open(r)"
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
        <app-error-banner action="Could not load the run." [message]="message" [backLink]="undefined" />
      }
      @if (selected(); as r) {
        <section class="detail" data-testid="run-detail" [attr.data-id]="r.id" [attr.data-state]="r.state">
          <h3>Run of {{ date(r.startedAt) }}</h3>
          <dl class="facts">
            <div>
              <dt>State</dt>
              <dd>{{ stateLabel(r) }}{{ r.resumed ? ' (resumed ' + r.resumed + '×)' : '' }}</dd>
            </div>
            <div>
              <dt>Started</dt>
              <dd>{{ date(r.startedAt) }} by {{ r.startedBy }} ({{ r.trigger }})</dd>
            </div>
            <div>
              <dt>Finished</dt>
              <dd>{{ date(r.finishedAt) }}</dd>
            </div>
            <div>
              <dt>Files</dt>
              <dd data-testid="run-counts">
                {{ r.comparedFiles }} compared, {{ r.copiedFiles }} copied, {{ r.deletedFiles }} deleted,
                {{ r.skippedFiles }} unchanged, {{ r.failedFiles }} failed
              </dd>
            </div>
            <div>
              <dt>Transferred</dt>
              <dd>{{ bytes(r.bytes) }}</dd>
            </div>
            @if (r.error) {
              <div class="error">
                <dt>Error</dt>
                <dd data-testid="run-error">{{ r.error }}</dd>
              </div>
            }
          </dl>
          <h4>Per-file log</h4>
          @if (r.files?.length) {
            <div class="table-wrap">
              <table class="grid" data-testid="run-files">
                <caption class="visually-hidden">
                  Per-file log
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Path</th>
                    <th scope="col">Outcome</th>
                    <th scope="col" class="number">Size</th>
                    <th scope="col">Reason</th>
                  </tr>
                </thead>
                <tbody>
                  @for (f of r.files; track $index) {
                    <tr data-testid="run-file" [attr.data-path]="f.path" [attr.data-outcome]="f.outcome">
                      <td class="wrap mono">/{{ f.path }}</td>
                      <td>{{ f.outcome }}</td>
                      <td class="number">{{ bytes(f.size) }}</td>
                      <td class="wrap">{{ f.reason ?? '' }}</td>
                    </tr>
                  }
                </tbody>
              </table>
            </div>
          } @else {
            <p class="muted">No file was copied, deleted or failed.</p>
          }
        </section>
      }
    </mat-dialog-content>
    <mat-dialog-actions align="end">
      <button mat-button type="button" mat-dialog-close cdkFocusInitial>Close</button>
    </mat-dialog-actions>
  `,
  styleUrl: '../admin/log-dialog.scss',
  styles: `
    .mono {
      font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
      font-size: 0.875em;
    }
    .state {
      padding: 0 0.375rem;
      border-radius: 0.25rem;
      font: var(--mat-sys-label-small);
      background: var(--mat-sys-surface-container-high);
    }
    .state.completed {
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
      margin: 0 0 0.5rem;
    }
    h4 {
      font: var(--mat-sys-label-large);
      margin: 0.75rem 0 0.25rem;
    }
    .facts {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr));
      gap: 0.25rem 1rem;
      margin: 0;
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
    .muted {
      color: var(--mat-sys-on-surface-variant);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ReplicationRunsDialog {
  private readonly api = inject(ReplicationApi);
  protected readonly data = inject<ReplicationJob>(MAT_DIALOG_DATA);
  protected readonly runs = signal<ReplicationRun[] | undefined>(undefined);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly selected = signal<ReplicationRun | undefined>(undefined);
  protected readonly detailError = signal<string | undefined>(undefined);
  protected readonly date = formatDate;
  protected readonly bytes = formatBytes;
  protected readonly arrow = arrowOf;

  constructor() {
    this.load();
  }

  protected stateLabel(run: ReplicationRun): string {
    return RUN_STATE_LABELS[run.state] ?? run.state;
  }

  load(): void {
    this.error.set(undefined);
    this.api.runs(this.data.id).subscribe({
      next: (list) => this.runs.set(list),
      error: (e: unknown) => this.error.set(errorMessage(e)),
    });
    const shown = this.selected();
    if (shown) this.open(shown);
  }

  protected open(run: ReplicationRun): void {
    this.detailError.set(undefined);
    this.api.run(this.data.id, run.id).subscribe({
      next: (full) => this.selected.set(full),
      error: (e: unknown) => this.detailError.set(errorMessage(e)),
    });
  }
}

/** Which way the files go: `←` pull and mirror (from the remote), `→` push. */
export function arrowOf(job: Pick<ReplicationJob, 'mode'>): string {
  return job.mode === 'push' ? '→' : '←';
}

export function openRuns(dialog: MatDialog, job: ReplicationJob): void {
  dialog.open(ReplicationRunsDialog, { data: job, width: '72rem', maxWidth: '96vw', autoFocus: 'dialog' });
}
