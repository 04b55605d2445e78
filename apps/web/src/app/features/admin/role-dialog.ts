import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MAT_DIALOG_DATA, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { type Privilege, type Role, principalNameProblem } from '@stockroom/contracts';
import { firstValueFrom } from 'rxjs';
import { AS_YOU_TYPE, nameValidator } from './forms';
import { ALL_PRIVILEGES, PRIVILEGE_LABELS } from './labels';
import { RolesApi } from './roles-api';
import { saveAndClose } from '../../shared/save-and-close';

export interface RoleDialogData {
  /** Absent: a new role. */
  role?: Role;
}

/** Create a custom role or edit one: a name and a bundle of privileges. */
@Component({
  selector: 'app-role-dialog',
  imports: [
    ReactiveFormsModule,
    MatDialogModule,
    MatFormFieldModule,
    MatInputModule,
    MatCheckboxModule,
    MatButtonModule,
  ],
  templateUrl: './role-dialog.html',
  styleUrl: './dialog.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RoleDialog {
  private readonly api = inject(RolesApi);
  private readonly dialogRef = inject<MatDialogRef<RoleDialog, Role>>(MatDialogRef);
  protected readonly data = inject<RoleDialogData>(MAT_DIALOG_DATA);
  protected readonly editing = this.data.role !== undefined;
  protected readonly asYouType = AS_YOU_TYPE;
  protected readonly privileges = ALL_PRIVILEGES.map((value) => ({ value, label: PRIVILEGE_LABELS[value] }));
  private readonly fb = inject(NonNullableFormBuilder);
  protected readonly form = this.fb.group({
    name: [this.data.role?.name ?? '', this.editing ? [] : [Validators.required, nameValidator(principalNameProblem)]],
    description: [this.data.role?.description ?? '', Validators.maxLength(2000)],
    privileges: this.fb.group(
      Object.fromEntries(ALL_PRIVILEGES.map((p) => [p, this.data.role?.privileges.includes(p) ?? false])),
      {
        validators: (group) =>
          Object.values(group.value as Record<string, boolean>).some(Boolean) ? null : { none: true },
      },
    ),
  });
  protected readonly submitting = signal(false);
  protected readonly error = signal<string | undefined>(undefined);

  constructor() {
    if (this.editing) this.form.controls.name.disable();
  }

  protected async submit(): Promise<void> {
    if (this.submitting()) return;
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    const { name, description, privileges: checked } = this.form.getRawValue();
    const privileges = ALL_PRIVILEGES.filter((p) => checked[p]) as Privilege[];
    await saveAndClose({ submitting: this.submitting, error: this.error, dialogRef: this.dialogRef }, () =>
      this.data.role
        ? firstValueFrom(this.api.update(this.data.role.name, { description, privileges }))
        : firstValueFrom(this.api.create({ name: name.normalize('NFC'), description, privileges })),
    );
  }
}
