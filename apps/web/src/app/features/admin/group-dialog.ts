import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { type Group, PseudoGroup, principalNameProblem } from '@stockroom/contracts';
import { firstValueFrom } from 'rxjs';
import { AS_YOU_TYPE, nameValidator } from './forms';
import { GroupsApi } from './groups-api';
import { isExternal, sourceLabel } from './labels';
import { saveAndClose } from '../../shared/save-and-close';

export interface GroupDialogData {
  /** Absent: a new group. */
  group?: Group;
  /** The user names to choose members from. */
  users: string[];
}

const PSEUDO = Object.values(PseudoGroup).map((p) => p.toLowerCase());

function groupNameProblem(name: string): string | undefined {
  if (PSEUDO.includes(name.toLowerCase())) return `"${name}" is a built-in pseudo-group; choose another name`;
  return principalNameProblem(name);
}

/**
 * Create a group or edit one (description, members). A group from LDAP or OpenID Connect keeps the
 * members its directory gives it (refreshed at each sign-in and on a schedule): shown, read-only.
 */
@Component({
  selector: 'app-group-dialog',
  imports: [ReactiveFormsModule, MatDialogModule, MatFormFieldModule, MatInputModule, MatSelectModule, MatButtonModule],
  templateUrl: './group-dialog.html',
  styleUrl: './dialog.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class GroupDialog {
  private readonly api = inject(GroupsApi);
  private readonly dialogRef = inject<MatDialogRef<GroupDialog, Group>>(MatDialogRef);
  protected readonly data = inject<GroupDialogData>(MAT_DIALOG_DATA);
  protected readonly editing = this.data.group !== undefined;
  protected readonly asYouType = AS_YOU_TYPE;
  protected readonly external = this.data.group !== undefined && isExternal(this.data.group);
  protected readonly sourceName = sourceLabel(this.data.group?.source);
  protected readonly form = inject(NonNullableFormBuilder).group({
    name: [this.data.group?.name ?? '', this.editing ? [] : [Validators.required, nameValidator(groupNameProblem)]],
    description: [this.data.group?.description ?? '', Validators.maxLength(2000)],
    members: [this.data.group?.members ?? []],
  });
  protected readonly submitting = signal(false);
  protected readonly error = signal<string | undefined>(undefined);

  constructor() {
    if (this.editing) this.form.controls.name.disable();
    if (this.external) this.form.controls.members.disable();
  }

  protected async submit(): Promise<void> {
    if (this.submitting()) return;
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    const { name, description, members } = this.form.getRawValue();
    await saveAndClose({ submitting: this.submitting, error: this.error, dialogRef: this.dialogRef }, () =>
      this.data.group
        ? firstValueFrom(
            this.api.update(this.data.group.name, this.external ? { description } : { description, members }),
          )
        : firstValueFrom(this.api.create({ name: name.normalize('NFC'), description, members })),
    );
  }
}
