import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatAutocompleteModule } from '@angular/material/autocomplete';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MAT_DIALOG_DATA, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatRadioModule } from '@angular/material/radio';
import { MatSelectModule } from '@angular/material/select';
import { type PrincipalType, type PrivilegeRule, PseudoGroup, type Role } from '@stockroom/contracts';
import { firstValueFrom } from 'rxjs';
import { privilegeLabel } from './labels';
import { PrivilegesApi } from './privileges-api';
import { saveAndClose } from '../../shared/save-and-close';

export interface PrivilegeDialogData {
  users: string[];
  groups: string[];
  roles: Role[];
  /** Directory names for a rule on one directory. */
  feeds: string[];
}

export const PRINCIPAL_TYPES: readonly { value: PrincipalType; label: string }[] = [
  { value: 'user', label: 'User' },
  { value: 'group', label: 'Group' },
  { value: 'pseudo', label: 'Built-in group' },
];

/** Add a privilege rule: who (user, group, pseudo-group), which role, where, grant or deny. */
@Component({
  selector: 'app-privilege-dialog',
  imports: [
    ReactiveFormsModule,
    MatDialogModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    MatAutocompleteModule,
    MatRadioModule,
    MatCheckboxModule,
    MatButtonModule,
  ],
  templateUrl: './privilege-dialog.html',
  styleUrl: './dialog.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class PrivilegeDialog {
  private readonly api = inject(PrivilegesApi);
  private readonly dialogRef = inject<MatDialogRef<PrivilegeDialog, PrivilegeRule>>(MatDialogRef);
  protected readonly data = inject<PrivilegeDialogData>(MAT_DIALOG_DATA);
  protected readonly principalTypes = PRINCIPAL_TYPES;
  protected readonly form = inject(NonNullableFormBuilder).group({
    principalType: ['user' as PrincipalType, Validators.required],
    principalName: ['', Validators.required],
    role: ['', Validators.required],
    scope: ['all' as 'all' | 'feed'],
    feed: [''],
    deny: [false],
  });
  private readonly type = toSignal(this.form.controls.principalType.valueChanges, {
    initialValue: this.form.controls.principalType.value,
  });
  private readonly typed = toSignal(this.form.controls.principalName.valueChanges, { initialValue: '' });
  protected readonly scope = toSignal(this.form.controls.scope.valueChanges, {
    initialValue: this.form.controls.scope.value,
  });
  private readonly roleName = toSignal(this.form.controls.role.valueChanges, { initialValue: '' });
  protected readonly candidates = computed(() => {
    const all =
      this.type() === 'user'
        ? this.data.users
        : this.type() === 'group'
          ? this.data.groups
          : Object.values(PseudoGroup as Record<string, string>);
    const text = this.typed().toLowerCase();
    return all.filter((name) => name.toLowerCase().includes(text)).slice(0, 50);
  });
  protected readonly rolePrivileges = computed(() => {
    const role = this.data.roles.find((r) => r.name === this.roleName());
    return role ? role.privileges.map(privilegeLabel).join(', ') : '';
  });
  protected readonly submitting = signal(false);
  protected readonly error = signal<string | undefined>(undefined);

  constructor() {
    this.form.controls.principalType.valueChanges.subscribe(() => this.form.controls.principalName.setValue(''));
    this.form.controls.scope.valueChanges.subscribe((scope) => {
      const feed = this.form.controls.feed;
      feed.setValidators(scope === 'feed' ? Validators.required : null);
      feed.updateValueAndValidity();
    });
  }

  protected async submit(): Promise<void> {
    if (this.submitting()) return;
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    const value = this.form.getRawValue();
    await saveAndClose({ submitting: this.submitting, error: this.error, dialogRef: this.dialogRef }, () =>
      firstValueFrom(
        this.api.create({
          principalType: value.principalType,
          principalName: value.principalName.trim(),
          role: value.role,
          feed: value.scope === 'feed' ? value.feed : null,
          deny: value.deny,
        }),
      ),
    );
  }
}
