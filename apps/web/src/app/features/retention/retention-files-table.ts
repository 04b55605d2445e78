import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { MatTableModule } from '@angular/material/table';
import type { RetentionFile } from '@stockroom/contracts';
import { formatBytes, formatDate } from '../../shared/format';

/** One page of a preview's selected files or of a run's per-file log. */
@Component({
  selector: 'app-retention-files-table',
  imports: [MatTableModule],
  template: `
    <div class="table-wrap">
      <table mat-table [dataSource]="files()" [attr.aria-label]="label()" [attr.aria-busy]="loading()">
        <ng-container matColumnDef="path">
          <th mat-header-cell *matHeaderCellDef>Path</th>
          <td mat-cell *matCellDef="let f" class="path">{{ f.path }}</td>
        </ng-container>
        <ng-container matColumnDef="size">
          <th mat-header-cell *matHeaderCellDef>Size</th>
          <td mat-cell *matCellDef="let f" class="nowrap">{{ bytes(f.size) }}</td>
        </ng-container>
        <ng-container matColumnDef="modified">
          <th mat-header-cell *matHeaderCellDef>Modified</th>
          <td mat-cell *matCellDef="let f" class="nowrap">{{ date(f.modified) }}</td>
        </ng-container>
        <ng-container matColumnDef="downloads">
          <th mat-header-cell *matHeaderCellDef>Downloads</th>
          <td mat-cell *matCellDef="let f" class="nowrap">{{ f.downloadCount }}</td>
        </ng-container>
        <ng-container matColumnDef="lastDownloaded">
          <th mat-header-cell *matHeaderCellDef>Last download</th>
          <td mat-cell *matCellDef="let f" class="nowrap">{{ f.lastDownloaded ? date(f.lastDownloaded) : 'never' }}</td>
        </ng-container>
        <ng-container matColumnDef="rule">
          <th mat-header-cell *matHeaderCellDef>Rule</th>
          <td mat-cell *matCellDef="let f" class="nowrap">{{ f.rule }}</td>
        </ng-container>
        <ng-container matColumnDef="reason">
          <th mat-header-cell *matHeaderCellDef>Reason</th>
          <td mat-cell *matCellDef="let f" class="reason">{{ f.reason }}</td>
        </ng-container>
        <ng-container matColumnDef="outcome">
          <th mat-header-cell *matHeaderCellDef>Outcome</th>
          <td mat-cell *matCellDef="let f" class="nowrap">
            <span class="outcome" [attr.data-outcome]="f.outcome ?? 'pending'">{{ f.outcome ?? 'not yet' }}</span>
          </td>
        </ng-container>
        <ng-container matColumnDef="note">
          <th mat-header-cell *matHeaderCellDef>Note</th>
          <td mat-cell *matCellDef="let f">{{ f.note ?? '' }}</td>
        </ng-container>
        <tr mat-header-row *matHeaderRowDef="columns(); sticky: true"></tr>
        <tr mat-row *matRowDef="let row; columns: columns()" [attr.data-testid]="rowTestId()"></tr>
      </table>
    </div>
  `,
  styles: `
    .table-wrap {
      position: relative;
      overflow: auto;
      max-height: 60vh;
    }
    table {
      width: 100%;
    }
    .path {
      word-break: break-all;
      min-width: 14rem;
    }
    .reason {
      min-width: 16rem;
      font-size: 0.9em;
    }
    .nowrap {
      white-space: nowrap;
    }
    .outcome[data-outcome='skipped'] {
      color: var(--mat-sys-error);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RetentionFilesTable {
  readonly files = input.required<readonly RetentionFile[]>();
  /** preview: the facts the rules looked at; log: what a run did with each file. */
  readonly mode = input<'preview' | 'log'>('preview');
  readonly label = input('Files');
  readonly loading = input(false);

  protected readonly rowTestId = computed(() => (this.mode() === 'preview' ? 'preview-row' : 'run-log-row'));
  protected readonly columns = computed(() =>
    this.mode() === 'preview'
      ? ['path', 'size', 'modified', 'downloads', 'lastDownloaded', 'rule', 'reason']
      : ['path', 'size', 'rule', 'reason', 'outcome', 'note'],
  );
  protected readonly bytes = formatBytes;
  protected readonly date = formatDate;
}
