import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MAT_DIALOG_DATA, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import {
  type CreateUserRequest,
  PASSWORD_MAX,
  PASSWORD_MIN,
  type UpdateUserRequest,
  type User,
  userNameProblem,
} from '@stockroom/contracts';
import { firstValueFrom } from 'rxjs';
import { AS_YOU_TYPE, nameValidator } from './forms';
import { isExternal, sourceLabel } from './labels';
import { UsersApi } from './users-api';
import { saveAndClose } from '../../shared/save-and-close';

export interface UserDialogData {
  /** Absent: a new user. */
  user?: User;
  /** The group names to choose from (built-in groups). */
  groups: string[];
  /** The user's groups owned by a directory or identity provider: shown, not editable. */
  externalGroups?: string[];
  /** The signed-in user: they cannot disable themselves. */
  self?: string | null;
}

/**
 * Create a user, or edit one (display name, email, groups, enabled, a new password). A user from
 * LDAP or OpenID Connect has no password here, and their name, email and directory groups are the
 * directory's (refreshed at each sign-in): only built-in groups and "enabled" can change.
 */
@Component({
  selector: 'app-user-dialog',
  imports: [
    ReactiveFormsModule,
    MatDialogModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    MatCheckboxModule,
    MatButtonModule,
  ],
  templateUrl: './user-dialog.html',
  styleUrl: './dialog.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class UserDialog {
  private readonly api = inject(UsersApi);
  private readonly dialogRef = inject<MatDialogRef<UserDialog, User>>(MatDialogRef);
  protected readonly data = inject<UserDialogData>(MAT_DIALOG_DATA);
  protected readonly editing = this.data.user !== undefined;
  protected readonly isSelf = this.editing && this.data.self?.toLowerCase() === this.data.user?.userName.toLowerCase();
  protected readonly passwordMin = PASSWORD_MIN;
  protected readonly passwordMax = PASSWORD_MAX;
  protected readonly asYouType = AS_YOU_TYPE;
  /** From LDAP or OpenID Connect. */
  protected readonly external = this.data.user !== undefined && isExternal(this.data.user);
  protected readonly sourceName = sourceLabel(this.data.user?.source);
  protected readonly externalGroups = this.data.externalGroups ?? [];

  protected readonly form = inject(NonNullableFormBuilder).group({
    userName: [
      this.data.user?.userName ?? '',
      this.editing ? [] : [Validators.required, nameValidator(userNameProblem)],
    ],
    displayName: [this.data.user?.displayName ?? '', Validators.maxLength(200)],
    email: [this.data.user?.email ?? '', [Validators.email, Validators.maxLength(320)]],
    password: [
      '',
      [
        ...(this.editing ? [] : [Validators.required]),
        Validators.minLength(PASSWORD_MIN),
        Validators.maxLength(PASSWORD_MAX),
      ],
    ],
    groups: [(this.data.user?.groups ?? []).filter((g) => !this.externalGroups.includes(g))],
    enabled: [this.data.user?.enabled ?? true],
  });
  protected readonly submitting = signal(false);
  protected readonly error = signal<string | undefined>(undefined);

  constructor() {
    if (this.editing) this.form.controls.userName.disable();
    if (this.isSelf) this.form.controls.enabled.disable();
    if (this.external) {
      this.form.controls.displayName.disable();
      this.form.controls.email.disable();
      this.form.controls.password.disable();
    }
  }

  protected async submit(): Promise<void> {
    if (this.submitting()) return;
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    const value = this.form.getRawValue();
    await saveAndClose({ submitting: this.submitting, error: this.error, dialogRef: this.dialogRef }, () => {
      if (this.data.user) {
        // The directory groups go back as they are: the request sets every group.
        const request: UpdateUserRequest = { groups: [...value.groups, ...this.externalGroups] };
        if (!this.external) {
          request.displayName = value.displayName;
          request.email = value.email;
          if (value.password) request.password = value.password;
        }
        if (!this.isSelf) request.enabled = value.enabled;
        return firstValueFrom(this.api.update(this.data.user.userName, request));
      } else {
        const request: CreateUserRequest = {
          userName: value.userName.normalize('NFC'),
          password: value.password,
          enabled: value.enabled,
          groups: value.groups,
        };
        if (value.displayName) request.displayName = value.displayName;
        if (value.email) request.email = value.email;
        return firstValueFrom(this.api.create(request));
      }
    });
  }
}
