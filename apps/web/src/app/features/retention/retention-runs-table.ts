import { ChangeDetectionStrategy, Component, computed, input, output } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatTableModule } from '@angular/material/table';
import type { RetentionRun } from '@stockroom/contracts';
import { formatBytes, formatDate } from '../../shared/format';

/** Run history (one directory's or all), newest first; a run's button opens its log. */
@Component({
  selector: 'app-retention-runs-table',
  imports: [MatTableModule, MatButtonModule],
  templateUrl: './retention-runs-table.html',
  styleUrl: './retention-runs-table.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RetentionRunsTable {
  readonly runs = input.required<readonly RetentionRun[]>();
  /** All runs: a column for the directory (or "maintenance"). */
  readonly showDirectory = input(false);
  readonly open = output<RetentionRun>();

  protected readonly columns = computed(() => [
    'id',
    ...(this.showDirectory() ? ['directory'] : []),
    'started',
    'trigger',
    'mode',
    'state',
    'files',
    'freed',
    'error',
  ]);
  protected readonly date = formatDate;
  protected readonly bytes = formatBytes;

  protected summary(run: RetentionRun): string {
    if (run.kind === 'maintenance') {
      const d = run.details ?? {};
      return Object.entries(d)
        .map(([k, v]) => `${k}: ${String(v)}`)
        .join(', ');
    }
    return '';
  }
}
