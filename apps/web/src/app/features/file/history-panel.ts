import { HttpErrorResponse } from '@angular/common/http';
import { ChangeDetectionStrategy, Component, effect, inject, input, output, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatSnackBar } from '@angular/material/snack-bar';
import { firstValueFrom } from 'rxjs';
import { errorMessage } from '../../core/http/api-error';
import { confirmAction } from '../../shared/confirm-dialog';
import { formatBytes, formatDate } from '../../shared/format';
import type { FileVersion } from '@stockroom/contracts';
import { HistoryApi, versionUrl } from './history-api';

/**
 * The file page's "History": the kept versions of a file, newest first, each with its size, when it
 * was written and replaced and by whom, a download link and (for those who may overwrite) Restore.
 */
@Component({
  selector: 'app-history-panel',
  imports: [MatButtonModule],
  template: `
    @if (error(); as message) {
      <p class="error" role="alert">Could not load the history: {{ message }}</p>
    } @else if (versions(); as list) {
      @if (list.length === 0) {
        <p class="muted" data-testid="history-empty">
          No earlier versions.
          @if (historyEnabled() === false) {
            File history is off for this directory.
          }
        </p>
      } @else {
        <div class="table-wrap">
          <table class="versions" data-testid="history-table">
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col" class="number">Size</th>
                <th scope="col">Written</th>
                <th scope="col">Replaced</th>
                <th scope="col">By</th>
                <th scope="col"><span class="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              @for (v of list; track v.version) {
                <tr data-testid="history-row" [attr.data-version]="v.version">
                  <td>
                    {{ v.version }}
                    @if (v.deleted) {
                      <span class="tag">deleted</span>
                    }
                  </td>
                  <td class="number">{{ formatBytes(v.size) }}</td>
                  <td>{{ formatDate(v.modified) }}</td>
                  <td>{{ formatDate(v.replacedAt) }}</td>
                  <td>{{ v.replacedBy ?? '—' }}</td>
                  <td class="actions">
                    @if (canDownload()) {
                      <a
                        mat-button
                        download
                        data-testid="history-download"
                        [href]="url(v.version)"
                        [attr.aria-label]="'Download version ' + v.version"
                        >Download</a
                      >
                    }
                    @if (canRestore()) {
                      <button
                        mat-button
                        type="button"
                        data-testid="history-restore"
                        [disabled]="restoring() !== undefined"
                        [attr.aria-label]="'Restore version ' + v.version"
                        (click)="restore(v)"
                      >
                        {{ restoring() === v.version ? 'Restoring…' : 'Restore' }}
                      </button>
                    }
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
  styles: `
    .table-wrap {
      position: relative;
      overflow-x: auto;
    }
    .versions {
      width: 100%;
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
      padding: 0.125rem 0.5rem;
      border-bottom: 1px solid var(--mat-sys-outline-variant);
      white-space: nowrap;
    }
    .number {
      text-align: end;
    }
    .actions {
      text-align: end;
    }
    .tag {
      margin-left: 0.375rem;
      padding: 0 0.375rem;
      border-radius: 0.25rem;
      font: var(--mat-sys-label-small);
      background: var(--mat-sys-error-container);
      color: var(--mat-sys-on-error-container);
    }
    .muted {
      color: var(--mat-sys-on-surface-variant);
    }
    .error {
      color: var(--mat-sys-error);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class HistoryPanel {
  private readonly api = inject(HistoryApi);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);

  readonly feed = input.required<string>();
  readonly path = input.required<string>();
  readonly canDownload = input(false);
  /** Overwrite on the directory: the server refuses a restore otherwise. */
  readonly canRestore = input(false);
  /** The directory's history setting, when known: explains an empty history. */
  readonly historyEnabled = input<boolean | undefined>(undefined);
  /** A version was restored: the page shows the file's new current content. */
  readonly restored = output<number>();

  protected readonly versions = signal<FileVersion[] | undefined>(undefined);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly restoring = signal<number | undefined>(undefined);
  private readonly reloads = signal(0);
  protected readonly formatBytes = formatBytes;
  protected readonly formatDate = formatDate;

  constructor() {
    effect((onCleanup) => {
      const feed = this.feed();
      const path = this.path();
      this.reloads();
      this.error.set(undefined);
      const request = this.api.versions(feed, path).subscribe({
        next: (versions) => this.versions.set(versions),
        error: (e: unknown) => {
          // A server without file history has no `versions/` operation: nothing kept, nothing to show.
          if (e instanceof HttpErrorResponse && e.status === 404) this.versions.set([]);
          else this.error.set(errorMessage(e));
        },
      });
      onCleanup(() => request.unsubscribe());
    });
  }

  protected url(version: number): string {
    return versionUrl(this.feed(), this.path(), version);
  }

  protected async restore(v: FileVersion): Promise<void> {
    if (this.restoring() !== undefined) return;
    const confirmed = await confirmAction(this.dialog, {
      title: `Restore version ${v.version}?`,
      message: 'Its content becomes the current file again; the current content is kept as a new version.',
      details: [`${formatBytes(v.size)}, written ${formatDate(v.modified)}`],
      confirmLabel: 'Restore',
    });
    if (!confirmed) return;
    this.restoring.set(v.version);
    try {
      await firstValueFrom(this.api.restore(this.feed(), this.path(), v.version));
      this.snackBar.open(`Restored version ${v.version}.`, undefined, { duration: 4000 });
      this.restored.emit(v.version);
      this.reloads.update((n) => n + 1);
    } catch (e) {
      this.snackBar.open(`Could not restore version ${v.version}: ${errorMessage(e)}`, 'Dismiss');
    } finally {
      this.restoring.set(undefined);
    }
  }
}
