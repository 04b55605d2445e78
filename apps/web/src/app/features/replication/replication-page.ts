import { ChangeDetectionStrategy, Component, DestroyRef, InjectionToken, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatSnackBar } from '@angular/material/snack-bar';
import type { ReplicationJob, ReplicationRun } from '@stockroom/contracts';
import { firstValueFrom, repeat, type Subscription, switchMap, takeWhile, timer } from 'rxjs';
import { errorMessage } from '../../core/http/api-error';
import { confirmAction } from '../../shared/confirm-dialog';
import { ErrorBanner } from '../../shared/error-banner';
import { formatDate } from '../../shared/format';
import { FeedsApi } from '../feeds/feeds-api';
import { describeCron } from '../retention/cron-description';
import { ReplicationApi } from './replication-api';
import { ReplicationDialog, type ReplicationDialogData } from './replication-dialog';
import { arrowOf, openRuns, RUN_STATE_LABELS } from './replication-runs-dialog';

/** How often a run started here is asked about while it runs (ms). */
export const REPLICATION_POLL_INTERVAL = new InjectionToken<number>('REPLICATION_POLL_INTERVAL', {
  providedIn: 'root',
  factory: () => 1000,
});

/**
 * `/admin/replication` (Administer): the replication jobs (directory, remote, mode, schedule,
 * deletes, last run), New job, Run now (followed until it ends), Delete, and each job's runs.
 */
@Component({
  selector: 'app-replication-page',
  imports: [MatButtonModule, ErrorBanner],
  template: `
    <div class="page-header">
      <h2>Replication</h2>
      <button mat-flat-button type="button" data-testid="replication-new" [disabled]="creating()" (click)="create()">
        New replication job
      </button>
    </div>
    <p class="intro">
      Copies files between a directory here and one on another Stockroom or ProGet server: pull brings the remote's new
      and changed files here, push sends this directory's there, mirror makes this directory an exact copy of the
      remote. Unchanged files (same path and SHA-256) are not sent again.
    </p>
    @if (error(); as message) {
      <app-error-banner
        action="Could not load the replication jobs."
        [message]="message"
        [retryable]="true"
        [backLink]="undefined"
        (retry)="load()"
      />
    } @else if (jobs(); as list) {
      @if (list.length === 0) {
        <p class="empty" data-testid="replication-empty">No replication jobs.</p>
      } @else {
        <div class="table-wrap">
          <table class="grid" data-testid="replication-table">
            <caption class="visually-hidden">
              Replication jobs
            </caption>
            <thead>
              <tr>
                <th scope="col">Directory</th>
                <th scope="col">Remote</th>
                <th scope="col">Mode</th>
                <th scope="col">Schedule</th>
                <th scope="col">Last run</th>
                <th scope="col"><span class="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              @for (job of list; track job.id) {
                <tr
                  data-testid="replication-row"
                  [attr.data-id]="job.id"
                  [attr.data-feed]="job.feed"
                  [attr.data-last-run]="job.lastRun?.state ?? 'none'"
                >
                  <td>
                    <strong>{{ job.feed }}</strong>
                  </td>
                  <td class="remote">
                    <span class="mono">{{ job.remoteUrl }}</span>
                    <div class="muted">directory {{ job.remoteFeed }}</div>
                  </td>
                  <td class="nowrap">
                    {{ arrow(job) }} {{ job.mode }}
                    @if (job.deletes && job.mode !== 'mirror') {
                      <span class="tag warn">deletes</span>
                    }
                  </td>
                  <td>
                    @if (job.schedule) {
                      <span class="mono">{{ job.schedule }}</span>
                      <div class="muted">{{ cron(job.schedule) }}</div>
                      @if (job.nextRun) {
                        <div class="muted">next {{ date(job.nextRun) }}</div>
                      }
                    } @else {
                      <span class="muted">On demand</span>
                    }
                  </td>
                  <td data-testid="replication-last-run">
                    @if (job.lastRun; as run) {
                      <span class="state {{ run.state }}">{{ stateLabel(run) }}</span>
                      <div class="muted">
                        {{ date(run.startedAt) }} · {{ run.copiedFiles }} copied, {{ run.deletedFiles }} deleted,
                        {{ run.failedFiles }} failed
                      </div>
                      @if (run.error) {
                        <div class="run-error" data-testid="replication-last-error">{{ run.error }}</div>
                      }
                    } @else {
                      <span class="muted">Never</span>
                    }
                  </td>
                  <td class="actions">
                    <button
                      mat-button
                      type="button"
                      data-testid="replication-run"
                      [disabled]="busy() === job.id || job.lastRun?.state === 'running'"
                      [attr.aria-label]="'Run the replication of ' + job.feed + ' now'"
                      (click)="runNow(job)"
                    >
                      {{ job.lastRun?.state === 'running' ? 'Running…' : 'Run now' }}
                    </button>
                    <button
                      mat-button
                      type="button"
                      data-testid="replication-runs"
                      [attr.aria-label]="'Runs of the replication of ' + job.feed"
                      (click)="runs(job)"
                    >
                      Runs
                    </button>
                    <button
                      mat-button
                      type="button"
                      class="destructive"
                      data-testid="replication-delete"
                      [disabled]="busy() === job.id"
                      [attr.aria-label]="'Delete the replication of ' + job.feed"
                      (click)="remove(job)"
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
      vertical-align: top;
    }
    .remote {
      overflow-wrap: anywhere;
      min-width: 12rem;
    }
    .actions {
      white-space: nowrap;
      text-align: end;
    }
    .state {
      padding: 0 0.375rem;
      border-radius: 0.25rem;
      font: var(--mat-sys-label-small);
      background: var(--mat-sys-surface-container-high);
    }
    .run-error {
      color: var(--mat-sys-error);
      overflow-wrap: anywhere;
    }
    .state.completed {
      background: var(--mat-sys-primary-container);
      color: var(--mat-sys-on-primary-container);
    }
    .state.failed {
      background: var(--mat-sys-error-container);
      color: var(--mat-sys-on-error-container);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ReplicationPage {
  private readonly api = inject(ReplicationApi);
  private readonly feeds = inject(FeedsApi);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);
  private readonly interval = inject(REPLICATION_POLL_INTERVAL);
  private readonly following = new Map<string, Subscription>();

  protected readonly jobs = signal<ReplicationJob[] | undefined>(undefined);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly busy = signal<string | undefined>(undefined);
  protected readonly creating = signal(false);
  protected readonly date = formatDate;
  protected readonly cron = describeCron;
  protected readonly arrow = arrowOf;

  constructor() {
    this.load();
    inject(DestroyRef).onDestroy(() => this.following.forEach((s) => s.unsubscribe()));
  }

  load(): void {
    this.error.set(undefined);
    this.api.list().subscribe({
      next: (jobs) => this.jobs.set(jobs),
      error: (e: unknown) => this.error.set(errorMessage(e)),
    });
  }

  protected stateLabel(run: ReplicationRun): string {
    return RUN_STATE_LABELS[run.state] ?? run.state;
  }

  protected async create(): Promise<void> {
    this.creating.set(true);
    let feeds: string[];
    try {
      feeds = (await firstValueFrom(this.feeds.list())).map((f) => f.name);
    } catch (e) {
      this.snackBar.open(`Could not list the directories: ${errorMessage(e)}`, 'Dismiss');
      return;
    } finally {
      this.creating.set(false);
    }
    const ref = this.dialog.open<ReplicationDialog, ReplicationDialogData, ReplicationJob>(ReplicationDialog, {
      data: { feeds },
      width: '40rem',
      maxWidth: '95vw',
    });
    const job = await firstValueFrom(ref.afterClosed());
    if (!job) return;
    this.snackBar.open(`Replication of ${job.feed} created.`, undefined, { duration: 4000 });
    this.load();
  }

  protected runs(job: ReplicationJob): void {
    openRuns(this.dialog, job);
  }

  protected async runNow(job: ReplicationJob): Promise<void> {
    this.busy.set(job.id);
    try {
      const run = await firstValueFrom(this.api.runNow(job.id));
      this.snackBar.open(`Replication of ${job.feed} started.`, undefined, { duration: 4000 });
      this.showRun(job.id, run);
      this.follow(job.id, run);
    } catch (e) {
      this.snackBar.open(`Could not run the replication of ${job.feed}: ${errorMessage(e)}`, 'Dismiss');
    } finally {
      this.busy.set(undefined);
    }
  }

  protected async remove(job: ReplicationJob): Promise<void> {
    const confirmed = await confirmAction(this.dialog, {
      title: 'Delete this replication job?',
      message: 'It stops running, and its runs log is deleted with it. No file is deleted.',
      details: [`${job.feed} ${arrowOf(job)} ${job.remoteUrl} (${job.remoteFeed}), ${job.mode}`],
      confirmLabel: 'Delete',
      destructive: true,
    });
    if (!confirmed) return;
    this.busy.set(job.id);
    try {
      await firstValueFrom(this.api.delete(job.id));
      this.following.get(job.id)?.unsubscribe();
      this.snackBar.open(`Deleted the replication of ${job.feed}.`, undefined, { duration: 4000 });
      this.load();
    } catch (e) {
      this.snackBar.open(`Could not delete the replication of ${job.feed}: ${errorMessage(e)}`, 'Dismiss');
    } finally {
      this.busy.set(undefined);
    }
  }

  /** Asks about the run until it ends, showing it as the job's last run; then the list again. */
  private follow(jobId: string, run: ReplicationRun): void {
    this.following.get(jobId)?.unsubscribe();
    if (run.state !== 'running') {
      this.load();
      return;
    }
    // One question at a time: the next one an interval after the last answer.
    const subscription = timer(this.interval)
      .pipe(
        switchMap(() => this.api.run(jobId, run.id)),
        repeat(),
        takeWhile((r) => r.state === 'running', true),
      )
      .subscribe({
        next: (r) => this.showRun(jobId, r),
        error: () => this.load(),
        complete: () => {
          this.following.delete(jobId);
          this.load();
        },
      });
    this.following.set(jobId, subscription);
  }

  private showRun(jobId: string, run: ReplicationRun): void {
    this.jobs.update((jobs) =>
      jobs?.map((j) => (j.id === jobId ? { ...j, lastRun: { ...run, files: undefined } } : j)),
    );
  }
}
