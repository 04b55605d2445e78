import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  computed,
  effect,
  inject,
  input,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatDialog } from '@angular/material/dialog';
import { MatPaginatorModule, type PageEvent } from '@angular/material/paginator';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSnackBar } from '@angular/material/snack-bar';
import type { Feed, RetentionPreview, RetentionRun, RetentionSettings } from '@stockroom/contracts';
import { errorMessage } from '../../core/http/api-error';
import { confirmAction } from '../../shared/confirm-dialog';
import { ErrorBanner } from '../../shared/error-banner';
import { formatBytes, formatDate } from '../../shared/format';
import { RetentionApi } from './retention-api';
import { RetentionFilesTable } from './retention-files-table';
import { RetentionRulesEditor } from './retention-rules-editor';
import { RetentionRunsTable } from './retention-runs-table';
import { RunProgress } from './run-progress';
import { openRunLog } from './run-log-dialog';

export const PREVIEW_PAGE_SIZE = 50;
export const RUNS_PAGE_SIZE = 20;

/** A directory's retention: its rules, a preview to apply, runs now, and the run history. */
@Component({
  selector: 'app-retention-panel',
  imports: [
    MatButtonModule,
    MatCheckboxModule,
    MatPaginatorModule,
    MatProgressBarModule,
    ErrorBanner,
    RetentionRulesEditor,
    RetentionFilesTable,
    RetentionRunsTable,
    RunProgress,
  ],
  templateUrl: './retention-panel.html',
  styleUrl: './retention-panel.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RetentionPanel {
  private readonly api = inject(RetentionApi);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);
  private readonly destroyRef = inject(DestroyRef);

  /** The directory's name. */
  readonly feed = input.required<string>();

  private readonly editor = viewChild(RetentionRulesEditor);
  /** Unsaved rule changes: previews and runs use the saved rules. */
  protected readonly unsaved = computed(() => this.editor()?.dirty() === true);
  protected readonly savedFeed = signal<Feed | undefined>(undefined);
  protected readonly settings = signal<RetentionSettings | undefined>(undefined);
  protected readonly settingsError = signal<string | undefined>(undefined);

  // ---- preview ----
  protected readonly previewing = signal(false);
  protected readonly preview = signal<RetentionPreview | undefined>(undefined);
  protected readonly previewPage = signal({ index: 0, size: PREVIEW_PAGE_SIZE });
  protected readonly pageLoading = signal(false);
  protected readonly previewError = signal<string | undefined>(undefined);

  // ---- runs ----
  protected readonly runDry = signal(false);
  protected readonly starting = signal(false);
  protected readonly actionError = signal<string | undefined>(undefined);
  protected readonly activeRun = signal<RetentionRun | undefined>(undefined);
  protected readonly running = computed(() => this.activeRun()?.state === 'running' && !this.finishedRun());
  private readonly finishedRun = signal<RetentionRun | undefined>(undefined);
  protected readonly runs = signal<RetentionRun[]>([]);
  protected readonly runsLoading = signal(false);
  protected readonly runsError = signal<string | undefined>(undefined);
  protected readonly moreRuns = signal(false);

  /** Why runs only log: this directory's switch or the global one. */
  protected readonly dryRunReason = computed(() => {
    if (this.settings()?.dryRun)
      return 'Global dry run is on (Administration › Retention): runs only log what they would delete.';
    if (this.savedFeed()?.retentionDryRun)
      return "This directory's dry run is on: runs only log what they would delete.";
    return undefined;
  });

  protected readonly bytes = formatBytes;
  protected readonly date = formatDate;

  constructor() {
    effect(() => {
      const feed = this.feed();
      untracked(() => {
        this.preview.set(undefined);
        this.activeRun.set(undefined);
        this.finishedRun.set(undefined);
        this.loadRuns(feed);
      });
    });
    this.loadSettings();
  }

  /** The rules editor holds changes not saved yet (asked before leaving the tab). */
  hasUnsavedChanges(): boolean {
    return this.unsaved();
  }

  protected rulesSaved(feed: Feed): void {
    const before = this.savedFeed();
    this.savedFeed.set(feed);
    // A preview of rules that have since changed would mislead.
    if (before && JSON.stringify(before.retentionRules) !== JSON.stringify(feed.retentionRules))
      this.preview.set(undefined);
  }

  protected loadSettings(): void {
    this.settingsError.set(undefined);
    this.api
      .getSettings()
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (s) => this.settings.set(s),
        error: (e: unknown) => this.settingsError.set(errorMessage(e)),
      });
  }

  // ---- preview ----

  protected runPreview(): void {
    if (this.previewing()) return;
    this.previewing.set(true);
    this.previewError.set(undefined);
    const size = this.previewPage().size;
    this.api
      .preview(this.feed(), { offset: 0, limit: size })
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (p) => {
          this.previewing.set(false);
          this.preview.set(p);
          this.previewPage.set({ index: 0, size });
        },
        error: (e: unknown) => {
          this.previewing.set(false);
          this.previewError.set(errorMessage(e));
        },
      });
  }

  protected pagePreview(event: PageEvent): void {
    const preview = this.preview();
    if (!preview) return;
    this.previewPage.set({ index: event.pageIndex, size: event.pageSize });
    this.pageLoading.set(true);
    this.previewError.set(undefined);
    this.api
      .getPreview(preview.id, { offset: event.pageIndex * event.pageSize, limit: event.pageSize })
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (p) => {
          this.pageLoading.set(false);
          // Keep what this console knows about it being applied.
          this.preview.set({ ...p, appliedBy: p.appliedBy ?? this.preview()?.appliedBy });
        },
        error: (e: unknown) => {
          this.pageLoading.set(false);
          this.previewError.set(errorMessage(e));
        },
      });
  }

  protected async applyPreview(): Promise<void> {
    const preview = this.preview();
    if (!preview || this.starting()) return;
    const dry = this.dryRunReason();
    const count = `${preview.totals.files} file${preview.totals.files === 1 ? '' : 's'}`;
    const ok = await confirmAction(this.dialog, {
      title: dry ? 'Apply this preview as a dry run?' : 'Delete the previewed files?',
      message: dry
        ? `${dry} The run logs the ${count} of this preview and deletes nothing.`
        : `This deletes the ${count} (${formatBytes(preview.totals.bytes)}) of this preview from "${this.feed()}". Files changed, deleted or downloaded since the preview are skipped. This cannot be undone.`,
      details: [`${count}, ${formatBytes(preview.totals.bytes)}`],
      confirmLabel: dry ? 'Apply (dry run)' : `Delete ${count}`,
      destructive: !dry,
    });
    if (!ok) return;
    this.start(this.api.apply(this.feed(), preview.id), (run) =>
      this.preview.update((p) => (p && p.id === preview.id ? { ...p, appliedBy: run.id } : p)),
    );
  }

  // ---- runs ----

  protected runNow(): void {
    this.start(this.api.run(this.feed(), this.runDry()));
  }

  private start(request: ReturnType<RetentionApi['run']>, started?: (run: RetentionRun) => void): void {
    if (this.starting()) return;
    this.starting.set(true);
    this.actionError.set(undefined);
    request.pipe(takeUntilDestroyed(this.destroyRef)).subscribe({
      next: (run) => {
        this.starting.set(false);
        this.finishedRun.set(undefined);
        this.activeRun.set(run);
        started?.(run);
        this.runs.update((runs) => [run, ...runs.filter((r) => r.id !== run.id)]);
      },
      error: (e: unknown) => {
        this.starting.set(false);
        const message = errorMessage(e);
        this.actionError.set(message);
        this.snackBar.open(message, 'OK', { duration: 8000 });
        this.loadRuns(); // a run in progress (409) shows in the history
      },
    });
  }

  protected runFinished(run: RetentionRun): void {
    this.finishedRun.set(run);
    this.runs.update((runs) => runs.map((r) => (r.id === run.id ? run : r)));
    this.loadRuns();
  }

  protected loadRuns(feed = this.feed(), more = false): void {
    this.runsLoading.set(true);
    this.runsError.set(undefined);
    const before = more ? this.runs().at(-1)?.id : undefined;
    this.api
      .runsOf(feed, { limit: RUNS_PAGE_SIZE, ...(before !== undefined ? { before } : {}) })
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (runs) => {
          this.runsLoading.set(false);
          this.runs.set(more ? [...this.runs(), ...runs] : runs);
          this.moreRuns.set(runs.length === RUNS_PAGE_SIZE);
        },
        error: (e: unknown) => {
          this.runsLoading.set(false);
          this.runsError.set(errorMessage(e));
        },
      });
  }

  protected openRun(run: RetentionRun): void {
    openRunLog(this.dialog, run);
  }
}
