import { ChangeDetectionStrategy, Component, computed, effect, inject, input, output, signal } from '@angular/core';
import { type AbstractControl, NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatDialog } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { MatSnackBar } from '@angular/material/snack-bar';
import { Router } from '@angular/router';
import {
  FILE_HISTORY_OFF,
  type Feed,
  type FileHistorySettings,
  Privilege,
  type UpdateFeedRequest,
  type WritePolicy,
} from '@stockroom/contracts';
import { firstValueFrom } from 'rxjs';
import { AuthStore } from '../../core/auth/auth-store';
import { errorMessage } from '../../core/http/api-error';
import { manageLink } from '../../shared/links';
import { AS_YOU_TYPE } from '../feeds/create-feed-dialog';
import { confirmFeedDeletion } from '../feeds/delete-feed';
import { FEED_NAME_MAX, feedNameValidator } from '../feeds/feed-name';
import { formatBytes } from '../../shared/format';
import { FeedsApi } from '../feeds/feeds-api';

export type QuotaUnit = 'MiB' | 'GiB';
const UNIT_BYTES: Record<QuotaUnit, number> = { MiB: 1024 ** 2, GiB: 1024 ** 3 };

/** A quota in the unit that shows it best: whole GiB as GiB, anything else as MiB; none as blank. */
export function quotaFields(bytes: number | null | undefined): { quota: number | null; quotaUnit: QuotaUnit } {
  if (bytes === null || bytes === undefined) return { quota: null, quotaUnit: 'GiB' };
  if (bytes % UNIT_BYTES.GiB === 0) return { quota: bytes / UNIT_BYTES.GiB, quotaUnit: 'GiB' };
  return { quota: Math.round((bytes / UNIT_BYTES.MiB) * 100) / 100, quotaUnit: 'MiB' };
}

/** The quota field's bytes: blank is no quota. */
export function quotaBytesOf(quota: number | null, unit: QuotaUnit): number | null {
  return quota === null || Number.isNaN(quota) ? null : Math.round(quota * UNIT_BYTES[unit]);
}

/** Ends of the write policies, as the settings tab explains them. */
export const WRITE_POLICY_LABELS: Readonly<Record<WritePolicy, string>> = {
  allow: 'Allow: files can be added, replaced and deleted',
  'create-only': 'Create only: a file, once written, is never replaced or deleted',
  'read-only': 'Read only: nothing can be added, replaced or deleted',
};

/**
 * The settings tab: name (a rename moves to the new URL), description, active, file history, and —
 * changed by administrators only (the server refuses anyone else), shown to every manager — the
 * write policy and the quota with its use; for administrators only, whether active files open
 * inline; delete.
 */
@Component({
  selector: 'app-feed-settings',
  imports: [
    ReactiveFormsModule,
    MatFormFieldModule,
    MatInputModule,
    MatCheckboxModule,
    MatButtonModule,
    MatSelectModule,
    MatProgressBarModule,
  ],
  templateUrl: './feed-settings.html',
  styleUrl: './feed-settings.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class FeedSettings {
  private readonly api = inject(FeedsApi);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);
  private readonly router = inject(Router);
  private readonly auth = inject(AuthStore);

  readonly feed = input.required<Feed>();
  readonly canManage = input(true);
  readonly saved = output<Feed>();

  protected readonly maxLength = FEED_NAME_MAX;
  protected readonly asYouType = AS_YOU_TYPE;
  protected readonly form = inject(NonNullableFormBuilder).group({
    name: ['', feedNameValidator],
    description: [''],
    active: [true],
    inlineContent: [false],
    historyEnabled: [false],
    historyKeep: [FILE_HISTORY_OFF.keep, [Validators.required, Validators.min(0), integer]],
    historyKeepDays: [FILE_HISTORY_OFF.keepDays, [Validators.required, Validators.min(0), integer]],
    writePolicy: ['allow' as WritePolicy],
    quota: [null as number | null, [Validators.min(0)]],
    quotaUnit: ['GiB' as QuotaUnit],
  });
  protected readonly policies = Object.entries(WRITE_POLICY_LABELS).map(([value, label]) => ({
    value: value as WritePolicy,
    label,
  }));
  protected readonly formatBytes = formatBytes;
  /** The quota's use: `{used, quota, percent}`, or just `used` without a quota. */
  protected readonly usage = computed(() => {
    const feed = this.feed();
    const used = feed.quotaUsedBytes ?? 0;
    const quota = feed.quotaBytes ?? null;
    return { used, quota, percent: quota ? Math.min(100, (100 * used) / quota) : 0 };
  });
  protected readonly isAdministrator = computed(
    () => this.auth.principal()?.privileges.includes(Privilege.Administer) === true,
  );
  protected readonly saving = signal(false);
  protected readonly deleting = signal(false);
  protected readonly error = signal<string | undefined>(undefined);

  constructor() {
    effect(() => {
      const feed = this.feed();
      this.form.reset(valuesOf(feed));
      if (this.canManage()) this.form.enable();
      else this.form.disable();
      if (!this.isAdministrator()) {
        // The server refuses anyone else: shown, not changeable.
        this.form.controls.writePolicy.disable();
        this.form.controls.quota.disable();
        this.form.controls.quotaUnit.disable();
      }
    });
  }

  protected async save(): Promise<void> {
    if (this.saving()) return;
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    const before = this.feed();
    const values = this.form.getRawValue();
    const { name, description, active, inlineContent } = values;
    const request: UpdateFeedRequest = { description, active };
    if (name !== before.name) request.name = name;
    if (inlineContent !== (before.inlineContent ?? false)) request.inlineContent = inlineContent;
    const history: FileHistorySettings = {
      enabled: values.historyEnabled,
      keep: Number(values.historyKeep),
      keepDays: Number(values.historyKeepDays),
    };
    const historyBefore = before.fileHistory ?? FILE_HISTORY_OFF;
    if (
      history.enabled !== historyBefore.enabled ||
      history.keep !== historyBefore.keep ||
      history.keepDays !== historyBefore.keepDays
    ) {
      request.fileHistory = history;
    }
    // Sent only when changed: they need Administer, even to send the same value.
    if (this.isAdministrator()) {
      if (values.writePolicy !== (before.writePolicy ?? 'allow')) request.writePolicy = values.writePolicy;
      const quotaBytes = quotaBytesOf(values.quota, values.quotaUnit);
      if (quotaBytes !== (before.quotaBytes ?? null)) request.quotaBytes = quotaBytes;
    }
    this.saving.set(true);
    this.error.set(undefined);
    try {
      const updated = await firstValueFrom(this.api.update(before.name, request));
      this.saved.emit(updated);
      this.snackBar.open(updated.name !== before.name ? `Renamed to “${updated.name}”.` : 'Settings saved.', 'OK', {
        duration: 4000,
      });
      if (updated.name !== before.name) {
        await this.router.navigate(manageLink(updated.name, 'settings'), { replaceUrl: true });
      } else {
        this.form.reset(valuesOf(updated));
      }
    } catch (e) {
      this.error.set(errorMessage(e));
    } finally {
      this.saving.set(false);
    }
  }

  protected async delete(): Promise<void> {
    const feed = this.feed();
    if (!(await confirmFeedDeletion(this.dialog, feed))) return;
    this.deleting.set(true);
    try {
      await firstValueFrom(this.api.delete(feed.name), { defaultValue: undefined });
      this.snackBar.open(`Directory “${feed.name}” deleted.`, 'OK', { duration: 5000 });
      await this.router.navigateByUrl('/');
    } catch (e) {
      this.snackBar.open(`Could not delete “${feed.name}”: ${errorMessage(e)}`, 'OK');
    } finally {
      this.deleting.set(false);
    }
  }
}

function valuesOf(feed: Feed) {
  const history = feed.fileHistory ?? FILE_HISTORY_OFF;
  return {
    name: feed.name,
    description: feed.description,
    active: feed.active,
    inlineContent: feed.inlineContent ?? false,
    historyEnabled: history.enabled,
    historyKeep: history.keep,
    historyKeepDays: history.keepDays,
    writePolicy: feed.writePolicy ?? 'allow',
    ...quotaFields(feed.quotaBytes),
  };
}

/** Whole numbers only (the number input lets "1.5" through). */
function integer(control: AbstractControl<number | null>): { integer: true } | null {
  const value = control.value;
  return value === null || Number.isInteger(Number(value)) ? null : { integer: true };
}
