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
import { HistoryApi, versionUrl } from '../file/history-api';

/** A deleted file's path shown relative to the folder being browsed. */
export function relativeTo(folder: string, path: string): string {
  const prefix = folder ? `${folder.toLowerCase()}/` : '';
  return prefix && path.toLowerCase().startsWith(prefix) ? path.slice(prefix.length) : path;
}

/**
 * The files deleted under a folder whose history was kept (`versions/{folder}?deleted=true`: the last
 * version of each), with a download link and Restore, so that a recursive delete can be undone.
 */
@Component({
  selector: 'app-deleted-files',
  imports: [MatButtonModule],
  template: `
    @if (error(); as message) {
      <p class="error" role="alert">Could not list the deleted files: {{ message }}</p>
    } @else if (files(); as list) {
      @if (list.length === 0) {
        <p class="muted" data-testid="deleted-empty">No deleted files with a kept history under this folder.</p>
      } @else {
        <div class="table-wrap">
          <table data-testid="deleted-files" aria-label="Deleted files">
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col" class="number">Size</th>
                <th scope="col">Deleted</th>
                <th scope="col">By</th>
                <th scope="col"><span class="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              @for (v of list; track v.path) {
                <tr data-testid="deleted-row" [attr.data-path]="v.path">
                  <td class="path" [title]="v.path">{{ relative(v.path ?? '') }}</td>
                  <td class="number">{{ formatBytes(v.size) }}</td>
                  <td>{{ formatDate(v.replacedAt) }}</td>
                  <td>{{ v.replacedBy ?? '—' }}</td>
                  <td class="actions">
                    @if (canDownload()) {
                      <a mat-button download [href]="url(v)" [attr.aria-label]="'Download ' + v.path">Download</a>
                    }
                    @if (canRestore()) {
                      <button
                        mat-button
                        type="button"
                        data-testid="deleted-restore"
                        [disabled]="restoring() !== undefined"
                        [attr.aria-label]="'Restore ' + v.path"
                        (click)="restore(v)"
                      >
                        {{ restoring() === v.path ? 'Restoring…' : 'Restore' }}
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
      border: 1px solid var(--mat-sys-outline-variant);
      border-radius: var(--mat-sys-corner-small, 4px);
    }
    table {
      width: 100%;
      border-collapse: collapse;
      font: var(--mat-sys-body-medium);
    }
    th {
      text-align: start;
      font: var(--mat-sys-label-large);
      padding: 0.5rem;
      background: var(--mat-sys-surface-container-low);
    }
    td {
      padding: 0.125rem 0.5rem;
      border-top: 1px solid var(--mat-sys-outline-variant);
      white-space: nowrap;
    }
    .path {
      white-space: normal;
      overflow-wrap: anywhere;
    }
    .number,
    .actions {
      text-align: end;
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
export class DeletedFiles {
  private readonly api = inject(HistoryApi);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);

  readonly feed = input.required<string>();
  readonly folder = input.required<string>();
  readonly canDownload = input(false);
  /** Restoring a deleted file needs Add (and Overwrite: the server decides). */
  readonly canRestore = input(false);
  /** A file was restored: the listing shows it again. */
  readonly restored = output<string>();

  protected readonly files = signal<FileVersion[] | undefined>(undefined);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly restoring = signal<string | undefined>(undefined);
  private readonly reloads = signal(0);
  protected readonly formatBytes = formatBytes;
  protected readonly formatDate = formatDate;

  constructor() {
    effect((onCleanup) => {
      const feed = this.feed();
      const folder = this.folder();
      this.reloads();
      this.error.set(undefined);
      const request = this.api.deleted(feed, folder).subscribe({
        next: (files) => this.files.set(files),
        error: (e: unknown) => {
          if (e instanceof HttpErrorResponse && e.status === 404) this.files.set([]);
          else this.error.set(errorMessage(e));
        },
      });
      onCleanup(() => request.unsubscribe());
    });
  }

  protected relative(path: string): string {
    return relativeTo(this.folder(), path);
  }

  protected url(v: FileVersion): string {
    return versionUrl(this.feed(), v.path ?? '', v.version);
  }

  protected async restore(v: FileVersion): Promise<void> {
    const path = v.path;
    if (!path || this.restoring() !== undefined) return;
    const confirmed = await confirmAction(this.dialog, {
      title: `Restore “${relativeTo(this.folder(), path)}”?`,
      message: 'The file comes back with the content it had when it was deleted.',
      details: [`/${path}`, `${formatBytes(v.size)}, deleted ${formatDate(v.replacedAt)}`],
      confirmLabel: 'Restore',
    });
    if (!confirmed) return;
    this.restoring.set(path);
    try {
      await firstValueFrom(this.api.restore(this.feed(), path, v.version));
      this.snackBar.open(`Restored /${path}.`, undefined, { duration: 4000 });
      this.restored.emit(path);
      this.reloads.update((n) => n + 1);
    } catch (e) {
      this.snackBar.open(`Could not restore /${path}: ${errorMessage(e)}`, 'Dismiss');
    } finally {
      this.restoring.set(undefined);
    }
  }
}
