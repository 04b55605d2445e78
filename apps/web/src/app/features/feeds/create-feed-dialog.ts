import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { type AbstractControl, NonNullableFormBuilder, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import type { Feed } from '@stockroom/contracts';
import { firstValueFrom } from 'rxjs';
import { FEED_NAME_MAX, feedNameValidator } from './feed-name';
import { FeedsApi } from './feeds-api';
import { saveAndClose } from '../../shared/save-and-close';

/** Shows a field's problem as soon as it is typed, not only after leaving the field. */
export const AS_YOU_TYPE = {
  isErrorState: (control: AbstractControl | null) => !!control && control.invalid && (control.dirty || control.touched),
};

/** "Create directory": a name checked as it is typed (the server's rules) and a description. */
@Component({
  selector: 'app-create-feed-dialog',
  imports: [ReactiveFormsModule, MatDialogModule, MatFormFieldModule, MatInputModule, MatButtonModule],
  templateUrl: './create-feed-dialog.html',
  styleUrl: './create-feed-dialog.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class CreateFeedDialog {
  private readonly api = inject(FeedsApi);
  private readonly dialogRef = inject<MatDialogRef<CreateFeedDialog, Feed>>(MatDialogRef);

  protected readonly maxLength = FEED_NAME_MAX;
  protected readonly asYouType = AS_YOU_TYPE;
  protected readonly form = inject(NonNullableFormBuilder).group({
    name: ['', feedNameValidator],
    description: [''],
  });
  protected readonly submitting = signal(false);
  protected readonly error = signal<string | undefined>(undefined);

  protected async submit(): Promise<void> {
    if (this.submitting()) return;
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    const { name, description } = this.form.getRawValue();
    await saveAndClose({ submitting: this.submitting, error: this.error, dialogRef: this.dialogRef }, () =>
      firstValueFrom(this.api.create({ name, feedType: 'asset', description })),
    );
  }
}
