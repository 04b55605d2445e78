import { ChangeDetectionStrategy, Component, DestroyRef, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MAT_DIALOG_DATA, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import type { ImportResult } from '@stockroom/contracts';
import type { Subscription } from 'rxjs';
import { formatBytes } from '../../shared/format';
import { ArchiveImporter } from './archive-importer';
import { type ArchiveFormat, importUrl } from './browse-api';
import { errorMessage } from '../../core/http/api-error';

export interface ImportDialogData {
  feed: string;
  folder: string;
  /** The caller may replace existing files (Overwrite privilege). */
  canOverwrite: boolean;
}

/** The archive format its name says; undefined lets the server sniff the bytes. */
export function formatOfName(name: string): ArchiveFormat | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith('.zip')) return 'zip';
  if (lower.endsWith('.tgz') || lower.endsWith('.tar.gz')) return 'tgz';
  return undefined;
}

type Phase = 'choose' | 'uploading' | 'expanding' | 'done' | 'failed';

/**
 * Import archive: choose a .zip/.tgz, whether it may replace files, upload with progress, then
 * what the server did (created / overwritten / skipped) or its reason for refusing. Closes with
 * the ImportResult when something was imported.
 */
@Component({
  selector: 'app-import-dialog',
  imports: [MatDialogModule, MatButtonModule, MatCheckboxModule, MatProgressBarModule],
  templateUrl: './import-dialog.html',
  styleUrl: './import-dialog.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ImportDialog {
  protected readonly data = inject<ImportDialogData>(MAT_DIALOG_DATA);
  private readonly ref = inject<MatDialogRef<ImportDialog, ImportResult | undefined>>(MatDialogRef);
  private readonly importer = inject(ArchiveImporter);
  protected readonly formatBytes = formatBytes;

  protected readonly file = signal<File | undefined>(undefined);
  protected readonly overwrite = signal(false);
  protected readonly phase = signal<Phase>('choose');
  protected readonly percent = signal(0);
  protected readonly result = signal<ImportResult | undefined>(undefined);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly fileError = signal<string | undefined>(undefined);
  private upload?: Subscription;

  constructor() {
    inject(DestroyRef).onDestroy(() => this.upload?.unsubscribe());
  }

  protected chosen(input: HTMLInputElement): void {
    const file = input.files?.[0];
    this.file.set(file);
    this.fileError.set(undefined);
    this.error.set(undefined);
    if (this.phase() === 'failed') this.phase.set('choose');
  }

  protected submit(): void {
    const file = this.file();
    if (!file) {
      this.fileError.set('Choose a .zip or .tgz file.');
      return;
    }
    const url = importUrl(
      this.data.feed,
      this.data.folder,
      formatOfName(file.name),
      this.data.canOverwrite && this.overwrite(),
    );
    this.phase.set('uploading');
    this.percent.set(0);
    this.error.set(undefined);
    this.ref.disableClose = true;
    this.upload = this.importer.upload(url, file).subscribe({
      next: (event) => {
        if (event.kind === 'progress') {
          const percent = event.total > 0 ? Math.round((event.loaded / event.total) * 100) : 0;
          this.percent.set(percent);
          // Sent: the server is now expanding the archive (all-or-nothing).
          if (event.total > 0 && event.loaded >= event.total) this.phase.set('expanding');
        } else {
          this.result.set(event.result);
          this.phase.set('done');
        }
      },
      error: (e: unknown) => {
        this.error.set(errorMessage(e));
        this.phase.set('failed');
        this.ref.disableClose = false;
      },
      complete: () => (this.ref.disableClose = false),
    });
  }

  protected cancel(): void {
    this.upload?.unsubscribe();
    this.ref.close(undefined);
  }

  protected close(): void {
    this.ref.close(this.result());
  }
}
