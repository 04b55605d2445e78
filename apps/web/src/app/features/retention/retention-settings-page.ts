import { ChangeDetectionStrategy, Component, DestroyRef, computed, inject, signal } from '@angular/core';
import { takeUntilDestroyed, toSignal } from '@angular/core/rxjs-interop';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatAutocompleteModule } from '@angular/material/autocomplete';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSlideToggleModule } from '@angular/material/slide-toggle';
import { MatSnackBar } from '@angular/material/snack-bar';
import type { RetentionRun, RetentionSettings } from '@stockroom/contracts';
import { map, startWith } from 'rxjs';
import { errorMessage } from '../../core/http/api-error';
import { ErrorBanner } from '../../shared/error-banner';
import { formatDate } from '../../shared/format';
import { describeCron } from './cron-description';
import { RetentionApi } from './retention-api';
import { RetentionRunsTable } from './retention-runs-table';
import { openRunLog } from './run-log-dialog';

export const ALL_RUNS_PAGE_SIZE = 50;

function timeZones(): string[] {
  const intl = Intl as { supportedValuesOf?: (key: string) => string[] };
  try {
    const zones = intl.supportedValuesOf?.('timeZone') ?? [];
    return zones.includes('UTC') ? zones : ['UTC', ...zones];
  } catch {
    return ['UTC'];
  }
}

/** Administration › Retention: the schedule, the global dry run, history length; every run. */
@Component({
  selector: 'app-retention-settings-page',
  imports: [
    ReactiveFormsModule,
    MatAutocompleteModule,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
    MatSlideToggleModule,
    ErrorBanner,
    RetentionRunsTable,
  ],
  templateUrl: './retention-settings-page.html',
  styleUrl: './retention-settings-page.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RetentionSettingsPage {
  private readonly api = inject(RetentionApi);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);
  private readonly destroyRef = inject(DestroyRef);

  protected readonly form = inject(NonNullableFormBuilder).group({
    schedule: [''],
    timezone: ['UTC', Validators.required],
    dryRun: [false],
    historyDays: [90, [Validators.required, Validators.min(1), Validators.max(3650), Validators.pattern(/^\d+$/)]],
  });
  protected readonly settings = signal<RetentionSettings | undefined>(undefined);
  protected readonly loading = signal(true);
  protected readonly loadError = signal<string | undefined>(undefined);
  protected readonly saving = signal(false);
  protected readonly saveError = signal<string | undefined>(undefined);

  private readonly schedule = toSignal(this.form.controls.schedule.valueChanges, { initialValue: '' });
  protected readonly scheduleHint = computed(() => describeCron(this.schedule()));
  private readonly zones = timeZones();
  protected readonly zoneOptions = toSignal(
    this.form.controls.timezone.valueChanges.pipe(
      startWith(''),
      map((typed) => {
        const t = (typed ?? '').toLowerCase();
        return (t ? this.zones.filter((z) => z.toLowerCase().includes(t)) : this.zones).slice(0, 50);
      }),
    ),
    { initialValue: [] as string[] },
  );

  protected readonly runs = signal<RetentionRun[]>([]);
  protected readonly runsLoading = signal(false);
  protected readonly runsError = signal<string | undefined>(undefined);
  protected readonly moreRuns = signal(false);
  protected readonly date = formatDate;

  constructor() {
    this.load();
    this.loadRuns();
  }

  protected load(): void {
    this.loading.set(true);
    this.loadError.set(undefined);
    this.api
      .getSettings()
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (s) => {
          this.loading.set(false);
          this.show(s);
        },
        error: (e: unknown) => {
          this.loading.set(false);
          this.loadError.set(errorMessage(e));
        },
      });
  }

  protected save(): void {
    if (this.saving()) return;
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    const v = this.form.getRawValue();
    this.saving.set(true);
    this.saveError.set(undefined);
    this.api
      .saveSettings({
        schedule: v.schedule.trim(),
        timezone: v.timezone.trim(),
        dryRun: v.dryRun,
        historyDays: Number(v.historyDays),
      })
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (s) => {
          this.saving.set(false);
          this.show(s);
          this.snackBar.open('Retention settings saved.', 'OK', { duration: 4000 });
        },
        error: (e: unknown) => {
          this.saving.set(false);
          const message = errorMessage(e);
          this.saveError.set(message);
          this.snackBar.open(`Could not save the settings: ${message}`, 'OK', { duration: 8000 });
        },
      });
  }

  protected loadRuns(more = false): void {
    this.runsLoading.set(true);
    this.runsError.set(undefined);
    const before = more ? this.runs().at(-1)?.id : undefined;
    this.api
      .allRuns({ limit: ALL_RUNS_PAGE_SIZE, ...(before !== undefined ? { before } : {}) })
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (runs) => {
          this.runsLoading.set(false);
          this.runs.set(more ? [...this.runs(), ...runs] : runs);
          this.moreRuns.set(runs.length === ALL_RUNS_PAGE_SIZE);
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

  private show(s: RetentionSettings): void {
    this.settings.set(s);
    this.form.reset({ schedule: s.schedule, timezone: s.timezone, dryRun: s.dryRun, historyDays: s.historyDays });
  }
}
