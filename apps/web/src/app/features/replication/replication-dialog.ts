import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import {
  type AbstractControl,
  NonNullableFormBuilder,
  ReactiveFormsModule,
  type ValidationErrors,
  Validators,
} from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MAT_DIALOG_DATA, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatRadioModule } from '@angular/material/radio';
import { MatSelectModule } from '@angular/material/select';
import type { CreateReplicationRequest, ReplicationJob, ReplicationMode } from '@stockroom/contracts';
import { firstValueFrom } from 'rxjs';
import { saveAndClose } from '../../shared/save-and-close';
import { upstreamUrlProblem } from '../connectors/connector-tab';
import { describeCron } from '../retention/cron-description';
import { ReplicationApi } from './replication-api';

export interface ReplicationDialogData {
  /** The local directories to choose from. */
  feeds: string[];
}

export const REPLICATION_MODE_LABELS: Readonly<Record<ReplicationMode, { label: string; hint: string }>> = {
  pull: { label: 'Pull', hint: 'Copies new and changed files from the remote directory into this one.' },
  push: { label: 'Push', hint: 'Sends new and changed files of this directory to the remote one.' },
  mirror: {
    label: 'Mirror',
    hint: 'Makes this directory an exact copy of the remote one: files the remote lacks are deleted here.',
  },
};

function urlValidator(control: AbstractControl<string>): ValidationErrors | null {
  const problem = upstreamUrlProblem(String(control.value ?? ''));
  return problem ? { url: problem } : null;
}

/** New replication job. Closes with the created job. */
@Component({
  selector: 'app-replication-dialog',
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
  template: `
    <h2 mat-dialog-title>New replication job</h2>
    <form [formGroup]="form" (ngSubmit)="submit()" novalidate data-testid="replication-dialog">
      <mat-dialog-content>
        <mat-form-field appearance="outline" subscriptSizing="dynamic">
          <mat-label>Local directory</mat-label>
          <mat-select formControlName="feed" required data-testid="replication-feed">
            @for (feed of data.feeds; track feed) {
              <mat-option [value]="feed">{{ feed }}</mat-option>
            }
          </mat-select>
          @if (form.controls.feed.hasError('required')) {
            <mat-error>Choose a directory.</mat-error>
          }
        </mat-form-field>
        <mat-form-field appearance="outline" subscriptSizing="dynamic">
          <mat-label>Remote server URL</mat-label>
          <input
            matInput
            type="url"
            formControlName="remoteUrl"
            required
            autocomplete="off"
            spellcheck="false"
            data-testid="replication-remote-url"
          />
          <mat-hint>Another Stockroom or ProGet: https://host/</mat-hint>
          @if (form.controls.remoteUrl.errors?.['url']; as problem) {
            <mat-error>{{ problem }}</mat-error>
          } @else if (form.controls.remoteUrl.errors?.['required']) {
            <mat-error>Enter the remote server's address.</mat-error>
          }
        </mat-form-field>
        <mat-form-field appearance="outline" subscriptSizing="dynamic">
          <mat-label>Remote directory</mat-label>
          <input
            matInput
            formControlName="remoteFeed"
            required
            autocomplete="off"
            spellcheck="false"
            data-testid="replication-remote-feed"
          />
          @if (form.controls.remoteFeed.hasError('required')) {
            <mat-error>Enter the remote directory's name.</mat-error>
          }
        </mat-form-field>
        <fieldset>
          <legend>Mode</legend>
          <mat-radio-group formControlName="mode" aria-label="Mode" class="inline">
            @for (m of modes; track m.value) {
              <mat-radio-button [value]="m.value" [attr.data-testid]="'replication-mode-' + m.value">
                {{ m.label }}
              </mat-radio-button>
            }
          </mat-radio-group>
          <p class="hint">{{ modeHint() }}</p>
        </fieldset>
        <mat-form-field appearance="outline" subscriptSizing="dynamic">
          <mat-label>Remote API key</mat-label>
          <input
            matInput
            type="password"
            formControlName="apiKey"
            autocomplete="new-password"
            data-testid="replication-api-key"
          />
          <mat-hint>Sent as X-ApiKey to the remote; it cannot be read back.</mat-hint>
        </mat-form-field>
        <mat-form-field appearance="outline" subscriptSizing="dynamic">
          <mat-label>Schedule (cron)</mat-label>
          <input
            matInput
            formControlName="schedule"
            autocomplete="off"
            spellcheck="false"
            placeholder="0 * * * *"
            data-testid="replication-schedule"
          />
          <mat-hint data-testid="replication-schedule-hint">{{ scheduleHint() }} Empty: only “Run now”.</mat-hint>
        </mat-form-field>
        <mat-checkbox formControlName="deletes" data-testid="replication-deletes">
          Delete files the source no longer has
        </mat-checkbox>
        @if (mode() === 'mirror') {
          <p class="hint">A mirror always deletes.</p>
        }
        <div role="alert" class="error">{{ error() }}</div>
      </mat-dialog-content>
      <mat-dialog-actions align="end">
        <button mat-button type="button" mat-dialog-close [disabled]="submitting()">Cancel</button>
        <button mat-flat-button type="submit" [disabled]="submitting()" data-testid="replication-create">
          {{ submitting() ? 'Creating…' : 'Create' }}
        </button>
      </mat-dialog-actions>
    </form>
  `,
  styleUrl: '../admin/dialog.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ReplicationDialog {
  private readonly api = inject(ReplicationApi);
  private readonly dialogRef = inject<MatDialogRef<ReplicationDialog, ReplicationJob>>(MatDialogRef);
  protected readonly data = inject<ReplicationDialogData>(MAT_DIALOG_DATA);
  protected readonly modes = Object.entries(REPLICATION_MODE_LABELS).map(([value, m]) => ({
    value: value as ReplicationMode,
    ...m,
  }));
  protected readonly form = inject(NonNullableFormBuilder).group({
    feed: [this.data.feeds.length === 1 ? this.data.feeds[0] : '', Validators.required],
    remoteUrl: ['', [Validators.required, urlValidator]],
    remoteFeed: ['', Validators.required],
    mode: ['pull' as ReplicationMode],
    apiKey: [''],
    schedule: [''],
    deletes: [false],
  });
  protected readonly mode = toSignal(this.form.controls.mode.valueChanges, { initialValue: 'pull' as ReplicationMode });
  private readonly schedule = toSignal(this.form.controls.schedule.valueChanges, { initialValue: '' });
  protected readonly modeHint = computed(() => REPLICATION_MODE_LABELS[this.mode()].hint);
  protected readonly scheduleHint = computed(() => describeCron(this.schedule()));
  protected readonly submitting = signal(false);
  protected readonly error = signal<string | undefined>(undefined);

  constructor() {
    this.form.controls.mode.valueChanges.subscribe((mode) => {
      const deletes = this.form.controls.deletes;
      if (mode === 'mirror') {
        deletes.setValue(true);
        deletes.disable();
      } else {
        deletes.enable();
      }
    });
  }

  protected async submit(): Promise<void> {
    if (this.submitting()) return;
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    const value = this.form.getRawValue();
    const request: CreateReplicationRequest = {
      feed: value.feed,
      remoteUrl: value.remoteUrl.trim(),
      remoteFeed: value.remoteFeed.trim(),
      mode: value.mode,
      schedule: value.schedule.trim(),
      deletes: value.mode === 'mirror' ? true : value.deletes,
    };
    if (value.apiKey) request.apiKey = value.apiKey;
    await saveAndClose({ submitting: this.submitting, error: this.error, dialogRef: this.dialogRef }, () =>
      firstValueFrom(this.api.create(request)),
    );
  }
}
