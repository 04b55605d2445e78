import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import {
  type AbstractControl,
  FormControl,
  FormGroup,
  ReactiveFormsModule,
  type ValidationErrors,
} from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MAX_SEGMENT_BYTES, utf8Length } from '@stockroom/contracts';

export interface NewFolderDialogData {
  /** Where it goes: shown to the user. */
  folder: string;
  /** Lower-case names of the items already there. */
  taken: ReadonlySet<string>;
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Why `name` cannot name a new folder (spec §1 segment rules, no clash), or undefined. */
export function folderNameProblem(name: string, taken: ReadonlySet<string>): string | undefined {
  if (!name) return 'Enter a name.';
  if (name === '.' || name === '..') return `"${name}" cannot be a name.`;
  if (name.includes('/') || name.includes('\\')) return 'A name cannot contain / or \\.';
  if (CONTROL.test(name)) return 'A name cannot contain control characters.';
  if (utf8Length(name) > MAX_SEGMENT_BYTES) return `A name can be at most ${MAX_SEGMENT_BYTES} bytes long.`;
  if (taken.has(name.toLowerCase())) return 'Something here already has this name.';
  return undefined;
}

/** Asks for a new folder's name; closes with the name (trimmed), or undefined when cancelled. */
@Component({
  selector: 'app-new-folder-dialog',
  imports: [ReactiveFormsModule, MatDialogModule, MatButtonModule, MatFormFieldModule, MatInputModule],
  template: `
    <form [formGroup]="form" (ngSubmit)="submit()">
      <h2 mat-dialog-title>New folder</h2>
      <mat-dialog-content data-testid="new-folder-dialog">
        <p>In {{ data.folder ? '/' + data.folder : 'the top folder' }}</p>
        <mat-form-field class="name">
          <mat-label>Folder name</mat-label>
          <input matInput formControlName="name" autocomplete="off" cdkFocusInitial data-testid="new-folder-name" />
          @if (name.errors?.['problem']; as problem) {
            <mat-error>{{ problem }}</mat-error>
          }
        </mat-form-field>
      </mat-dialog-content>
      <mat-dialog-actions align="end">
        <button mat-button type="button" mat-dialog-close>Cancel</button>
        <button mat-flat-button type="submit" data-testid="new-folder-create">Create</button>
      </mat-dialog-actions>
    </form>
  `,
  styles: `
    .name {
      width: 100%;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class NewFolderDialog {
  protected readonly data = inject<NewFolderDialogData>(MAT_DIALOG_DATA);
  private readonly ref = inject<MatDialogRef<NewFolderDialog, string | undefined>>(MatDialogRef);
  protected readonly name = new FormControl('', {
    nonNullable: true,
    validators: (control: AbstractControl<string>): ValidationErrors | null => {
      const problem = folderNameProblem(control.value.trim(), this.data.taken);
      return problem ? { problem } : null;
    },
  });
  protected readonly form = new FormGroup({ name: this.name });

  protected submit(): void {
    if (this.name.invalid) {
      this.name.markAsTouched();
      return;
    }
    this.ref.close(this.name.value.trim());
  }
}
