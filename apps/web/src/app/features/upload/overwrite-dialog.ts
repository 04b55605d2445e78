import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialog, MatDialogModule } from '@angular/material/dialog';
import { firstValueFrom } from 'rxjs';

export type OverwriteChoice = 'replace' | 'skip' | 'cancel';

export interface OverwriteQuestion {
  feed: string;
  /** Paths (in the directory) of the files that exist already. */
  existing: string[];
  /** How many files the upload has in all. */
  total: number;
}

/** Lists at most this many paths; the rest is a count. */
const SHOWN = 20;

/** Asked once per upload when some of its files exist: replace them all, skip them, or upload nothing. */
@Component({
  selector: 'app-overwrite-dialog',
  imports: [MatDialogModule, MatButtonModule],
  template: `
    <h2 mat-dialog-title>{{ title }}</h2>
    <mat-dialog-content>
      <p>
        {{ data.existing.length === 1 ? 'This file is' : 'These files are' }} already in {{ data.feed }}. Replace
        {{ data.existing.length === 1 ? 'it' : 'them' }} with the uploaded
        {{ data.existing.length === 1 ? 'file' : 'files' }}, or skip {{ data.existing.length === 1 ? 'it' : 'them' }}?
      </p>
      <ul class="existing" data-testid="overwrite-existing">
        @for (path of shown; track path) {
          <li>{{ path }}</li>
        }
        @if (more > 0) {
          <li class="more">and {{ more }} more</li>
        }
      </ul>
    </mat-dialog-content>
    <mat-dialog-actions align="end">
      <button mat-button type="button" [mat-dialog-close]="'cancel'" data-testid="overwrite-cancel">
        Cancel upload
      </button>
      <button mat-button type="button" [mat-dialog-close]="'skip'" cdkFocusInitial data-testid="overwrite-skip">
        {{ data.existing.length < data.total ? 'Skip existing' : 'Skip' }}
      </button>
      <button mat-flat-button type="button" [mat-dialog-close]="'replace'" data-testid="overwrite-replace">
        {{ data.existing.length === 1 ? 'Replace' : 'Replace all' }}
      </button>
    </mat-dialog-actions>
  `,
  styles: `
    .existing {
      margin: 0;
      padding-left: 1.25rem;
      max-height: 14rem;
      overflow: auto;
      overflow-wrap: anywhere;
    }
    .more {
      list-style: none;
      margin-left: -1.25rem;
      font-style: italic;
    }
  `,
  host: { 'data-testid': 'overwrite-dialog' },
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class OverwriteDialog {
  protected readonly data = inject<OverwriteQuestion>(MAT_DIALOG_DATA);
  protected readonly shown = this.data.existing.slice(0, SHOWN);
  protected readonly more = this.data.existing.length - this.shown.length;
  protected readonly title =
    this.data.existing.length === 1
      ? 'Replace 1 existing file?'
      : `Replace ${this.data.existing.length} existing files?`;
}

/** Opens the question; closing it without a choice (Escape) cancels. */
export async function askOverwrite(dialog: MatDialog, question: OverwriteQuestion): Promise<OverwriteChoice> {
  const ref = dialog.open<OverwriteDialog, OverwriteQuestion, OverwriteChoice>(OverwriteDialog, {
    data: question,
    width: '34rem',
    maxWidth: '95vw',
    role: 'alertdialog',
  });
  return (await firstValueFrom(ref.afterClosed())) ?? 'cancel';
}
