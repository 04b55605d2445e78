import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import {
  type AbstractControl,
  NonNullableFormBuilder,
  ReactiveFormsModule,
  type ValidationErrors,
  Validators,
} from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSnackBar } from '@angular/material/snack-bar';
import { PASSWORD_MIN } from '@stockroom/contracts';
import { errorMessage } from '../http/api-error';
import { AuthStore } from './auth-store';

function newPasswordsMatch(group: AbstractControl): ValidationErrors | null {
  const { newPassword, confirmPassword } = group.value as { newPassword: string; confirmPassword: string };
  return confirmPassword && newPassword !== confirmPassword ? { mismatch: true } : null;
}

/** Change my password: current, new, new again. Other sessions end; this one carries on. */
@Component({
  selector: 'app-change-password-dialog',
  imports: [ReactiveFormsModule, MatDialogModule, MatFormFieldModule, MatInputModule, MatButtonModule],
  templateUrl: './change-password-dialog.html',
  styleUrl: './change-password-dialog.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ChangePasswordDialog {
  private readonly auth = inject(AuthStore);
  private readonly dialogRef = inject<MatDialogRef<ChangePasswordDialog, boolean>>(MatDialogRef);
  private readonly snackBar = inject(MatSnackBar);

  protected readonly userName = this.auth.userName;
  protected readonly minLength = PASSWORD_MIN;
  protected readonly form = inject(NonNullableFormBuilder).group(
    {
      currentPassword: ['', Validators.required],
      newPassword: ['', [Validators.required, Validators.minLength(PASSWORD_MIN)]],
      confirmPassword: ['', Validators.required],
    },
    { validators: newPasswordsMatch },
  );
  protected readonly submitting = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  /** mat-error shows a control's own errors only: the group's mismatch is shown through this. */
  protected readonly confirmErrorState = {
    isErrorState: (control: AbstractControl | null) =>
      !!control && (control.touched || control.dirty) && (control.invalid || this.form.hasError('mismatch')),
  };

  protected async submit(): Promise<void> {
    if (this.submitting()) return;
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    const { currentPassword, newPassword } = this.form.getRawValue();
    this.submitting.set(true);
    this.error.set(undefined);
    this.dialogRef.disableClose = true;
    try {
      await this.auth.changePassword({ currentPassword, newPassword });
      this.dialogRef.close(true);
      this.snackBar.open('Password changed. Your other sessions were signed out.', 'OK', { duration: 6000 });
    } catch (e) {
      this.error.set(errorMessage(e));
    } finally {
      this.submitting.set(false);
      this.dialogRef.disableClose = false;
    }
  }
}
