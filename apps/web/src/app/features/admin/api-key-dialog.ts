import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { type AbstractControl, NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MAT_DIALOG_DATA, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatRadioModule } from '@angular/material/radio';
import { MatSelectModule } from '@angular/material/select';
import type { ApiKeyInfo, ApiKeyType, FeedKeyPermission } from '@stockroom/contracts';
import { firstValueFrom } from 'rxjs';
import { ApiKeysApi, type CreateApiKeyRequest } from './api-keys-api';
import { saveAndClose } from '../../shared/save-and-close';

export interface ApiKeyDialogData {
  /** May create System keys and Personal keys for anyone. */
  administrator: boolean;
  /** The signed-in user (the owner of a Personal key by default). */
  self: string;
  /** Administrators: every user name. */
  users: string[];
  /** The directories the user manages (Feed keys). */
  feeds: string[];
}

export const KEY_TYPES: readonly { value: ApiKeyType; label: string; hint: string }[] = [
  { value: 'Personal', label: 'Personal', hint: 'Acts as its user, with exactly their privileges.' },
  { value: 'Feed', label: 'Directory', hint: 'One directory only, with the permissions chosen here.' },
  { value: 'System', label: 'System', hint: 'Not tied to a user: full control, or the directory APIs only.' },
];

/** Feed key permissions (ProGet's `promote` means nothing for asset directories). */
export const FEED_PERMISSIONS: readonly { value: FeedKeyPermission; label: string }[] = [
  { value: 'view', label: 'View and download' },
  { value: 'add', label: 'Upload' },
  { value: 'delete', label: 'Overwrite and delete' },
];

function notInThePast(control: AbstractControl): { past: true } | null {
  const value = control.value as string;
  return value && new Date(value).getTime() <= Date.now() ? { past: true } : null;
}

/** Create an API key. Closes with the answer, which carries the secret (shown once by the page). */
@Component({
  selector: 'app-api-key-dialog',
  imports: [
    ReactiveFormsModule,
    MatDialogModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    MatRadioModule,
    MatCheckboxModule,
    MatButtonModule,
  ],
  templateUrl: './api-key-dialog.html',
  styleUrl: './dialog.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ApiKeyDialog {
  private readonly api = inject(ApiKeysApi);
  private readonly dialogRef = inject<MatDialogRef<ApiKeyDialog, ApiKeyInfo>>(MatDialogRef);
  protected readonly data = inject<ApiKeyDialogData>(MAT_DIALOG_DATA);
  protected readonly types = KEY_TYPES.filter(
    (t) =>
      t.value === 'Personal' ||
      (t.value === 'Feed' && this.data.feeds.length > 0) ||
      (t.value === 'System' && this.data.administrator),
  );
  protected readonly permissions = FEED_PERMISSIONS;
  private readonly fb = inject(NonNullableFormBuilder);
  protected readonly form = this.fb.group({
    type: ['Personal' as ApiKeyType],
    displayName: ['', Validators.maxLength(200)],
    description: ['', Validators.maxLength(2000)],
    user: [this.data.self],
    feed: [''],
    permissions: this.fb.group({ view: [true], add: [false], delete: [false] }),
    systemScope: ['full' as 'full' | 'feeds'],
    expiration: ['', notInThePast],
  });
  protected readonly type = toSignal(this.form.controls.type.valueChanges, { initialValue: 'Personal' as ApiKeyType });
  protected readonly typeHint = computed(() => KEY_TYPES.find((t) => t.value === this.type())?.hint ?? '');
  protected readonly submitting = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  /** For the expiry field's `min`. */
  protected readonly now = new Date(Date.now() - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 16);

  constructor() {
    this.form.controls.type.valueChanges.subscribe((type) => {
      const feed = this.form.controls.feed;
      feed.setValidators(type === 'Feed' ? Validators.required : null);
      feed.updateValueAndValidity();
      const permissions = this.form.controls.permissions;
      permissions.setValidators(
        type === 'Feed'
          ? (group) => (Object.values(group.value as Record<string, boolean>).some(Boolean) ? null : { none: true })
          : null,
      );
      permissions.updateValueAndValidity();
    });
  }

  protected async submit(): Promise<void> {
    if (this.submitting()) return;
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    const value = this.form.getRawValue();
    const request: CreateApiKeyRequest = { type: value.type };
    if (value.displayName.trim()) request.displayName = value.displayName.trim();
    if (value.description.trim()) request.description = value.description.trim();
    if (value.expiration) request.expiration = new Date(value.expiration).toISOString();
    if (value.type === 'Personal' && this.data.administrator && value.user) request.user = value.user;
    if (value.type === 'Feed') {
      request.feed = value.feed;
      request.packagePermissions = FEED_PERMISSIONS.map((p) => p.value).filter((p) => value.permissions[p as 'view']);
    }
    if (value.type === 'System') request.systemApis = value.systemScope === 'feeds' ? ['feeds'] : [];
    await saveAndClose({ submitting: this.submitting, error: this.error, dialogRef: this.dialogRef }, () =>
      firstValueFrom(this.api.create(request)),
    );
  }
}
