import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  InjectionToken,
  computed,
  effect,
  inject,
  input,
  output,
  signal,
  untracked,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import type { RetentionRun } from '@stockroom/contracts';
import { type Subscription, repeat, switchMap, takeWhile, timer } from 'rxjs';
import { errorMessage } from '../../core/http/api-error';
import { formatBytes } from '../../shared/format';
import { RetentionApi } from './retention-api';

/** How often a running run is asked about (ms). */
export const RUN_POLL_INTERVAL = new InjectionToken<number>('RUN_POLL_INTERVAL', {
  providedIn: 'root',
  factory: () => 1000,
});

/**
 * Follows a run the console started: asks `GET /api/retention/runs/{id}` (counters only) every
 * second until it ends, with a progress bar (handled of selected) and then the result.
 */
@Component({
  selector: 'app-run-progress',
  imports: [MatProgressBarModule, MatButtonModule],
  template: `
    @let r = current();
    <div class="progress" data-testid="run-progress" [attr.data-state]="r.state" aria-live="polite">
      <p class="title">
        <strong>Run #{{ r.id }}</strong>
        {{ r.trigger === 'apply' ? 'applying a preview' : 'checking the rules now'
        }}{{ r.dryRun ? ' (dry run: nothing is deleted)' : '' }}
        —
        <span class="state">{{ stateLabel() }}</span>
      </p>
      <mat-progress-bar
        [mode]="r.state === 'running' && r.selectedFiles === 0 ? 'indeterminate' : 'determinate'"
        [value]="percent()"
        [attr.aria-label]="'Run #' + r.id + ' progress'"
      />
      <p class="counts">
        {{ r.handledFiles }} of {{ r.selectedFiles }} files handled · {{ r.dryRun ? 'would delete' : 'deleted' }}
        {{ r.dryRun ? r.handledFiles - r.skippedFiles : r.deletedFiles }} · skipped {{ r.skippedFiles }} ·
        {{ bytes(r.freedBytes) }} freed
        @if (r.foldersRemoved) {
          · {{ r.foldersRemoved }} empty folder(s) removed
        }
      </p>
      @if (r.error) {
        <p class="error" role="alert">The run failed: {{ r.error }}</p>
      }
      @if (pollError(); as message) {
        <p class="error" role="alert">
          Could not check on the run: {{ message }}
          <button mat-button type="button" (click)="follow()">Check again</button>
        </p>
      }
    </div>
  `,
  styles: `
    .progress {
      padding: 0.75rem 1rem;
      border: 1px solid var(--mat-sys-outline-variant);
      border-radius: var(--mat-sys-corner-small, 4px);
    }
    p {
      margin: 0.25rem 0;
    }
    .counts {
      color: var(--mat-sys-on-surface-variant);
    }
    .error {
      color: var(--mat-sys-error);
    }
    [data-state='completed'] .state {
      color: var(--mat-sys-primary);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RunProgress {
  private readonly api = inject(RetentionApi);
  private readonly interval = inject(RUN_POLL_INTERVAL);
  /** The run as the POST answered it. */
  readonly run = input.required<RetentionRun>();
  /** Emitted once, when the run is over (completed or failed). */
  readonly finished = output<RetentionRun>();

  private readonly latest = signal<RetentionRun | undefined>(undefined);
  protected readonly current = computed(() => {
    const latest = this.latest();
    return latest && latest.id === this.run().id ? latest : this.run();
  });
  protected readonly pollError = signal<string | undefined>(undefined);
  protected readonly percent = computed(() => {
    const r = this.current();
    if (r.state !== 'running') return 100;
    return r.selectedFiles > 0 ? Math.round((100 * r.handledFiles) / r.selectedFiles) : 0;
  });
  protected readonly stateLabel = computed(() => {
    const r = this.current();
    if (r.state === 'running') return r.selectedFiles === 0 ? 'selecting files…' : `${this.percent()}%`;
    return r.state === 'completed' ? 'completed' : 'failed';
  });
  protected readonly bytes = formatBytes;
  private subscription?: Subscription;

  constructor() {
    effect(() => {
      const run = this.run();
      untracked(() => {
        this.latest.set(undefined);
        if (run.state === 'running') this.follow();
        else this.finished.emit(run);
      });
    });
    inject(DestroyRef).onDestroy(() => this.subscription?.unsubscribe());
  }

  protected follow(): void {
    this.subscription?.unsubscribe();
    this.pollError.set(undefined);
    const id = this.run().id;
    this.subscription = timer(this.interval)
      .pipe(
        switchMap(() => this.api.getRun(id, { limit: 0 })),
        repeat(),
        takeWhile((r) => r.state === 'running', true),
      )
      .subscribe({
        next: (r) => {
          this.latest.set(r);
          if (r.state !== 'running') this.finished.emit(r);
        },
        error: (e: unknown) => this.pollError.set(errorMessage(e)),
      });
  }
}
