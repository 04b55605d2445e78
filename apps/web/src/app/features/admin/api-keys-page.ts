import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatDialog } from '@angular/material/dialog';
import { MatSnackBar } from '@angular/material/snack-bar';
import { MatTableModule } from '@angular/material/table';
import { type ApiKeyInfo, Privilege } from '@stockroom/contracts';
import { firstValueFrom, forkJoin, of } from 'rxjs';
import { AuthStore } from '../../core/auth/auth-store';
import { errorMessage } from '../../core/http/api-error';
import { confirmAction } from '../../shared/confirm-dialog';
import { ErrorBanner } from '../../shared/error-banner';
import { formatDate } from '../../shared/format';
import { FeedsApi } from '../feeds/feeds-api';
import { FEED_PERMISSIONS, KEY_TYPES, ApiKeyDialog, type ApiKeyDialogData } from './api-key-dialog';
import { ApiKeySecretDialog, type ApiKeySecretData } from './api-key-secret-dialog';
import { ApiKeysApi } from './api-keys-api';
import { UsersApi } from './users-api';

/**
 * /admin/api-keys: administrators see and manage every key; anyone else signed in their own
 * personal keys (and feed keys for directories they manage). A new key's secret is shown once.
 */
@Component({
  selector: 'app-api-keys-page',
  imports: [MatTableModule, MatButtonModule, MatCheckboxModule, ErrorBanner],
  templateUrl: './api-keys-page.html',
  styleUrl: './admin-page.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ApiKeysPage {
  private readonly api = inject(ApiKeysApi);
  private readonly feedsApi = inject(FeedsApi);
  private readonly usersApi = inject(UsersApi);
  private readonly auth = inject(AuthStore);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);

  protected readonly administrator = computed(
    () => this.auth.principal()?.privileges.includes(Privilege.Administer) === true,
  );
  protected readonly keys = signal<ApiKeyInfo[] | undefined>(undefined);
  protected readonly includeRevoked = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly columns = computed(() => [
    'name',
    'type',
    'scope',
    'created',
    'lastUsed',
    'expires',
    ...(this.includeRevoked() ? ['revoked'] : []),
    'actions',
  ]);
  protected readonly formatDate = formatDate;
  protected readonly creating = signal(false);

  constructor() {
    this.load();
  }

  protected load(): void {
    this.error.set(undefined);
    this.api.list(this.includeRevoked()).subscribe({
      next: (keys) => this.keys.set(keys),
      error: (e: unknown) => this.error.set(errorMessage(e)),
    });
  }

  protected showRevoked(show: boolean): void {
    this.includeRevoked.set(show);
    this.keys.set(undefined);
    this.load();
  }

  protected typeLabel(key: ApiKeyInfo): string {
    return KEY_TYPES.find((t) => t.value === key.type)?.label ?? key.type;
  }

  /** Whom or what the key is for, in words. */
  protected scope(key: ApiKeyInfo): string {
    switch (key.type) {
      case 'Personal':
        return key.user ? `Acts as ${key.user}` : 'Personal';
      case 'Feed': {
        const permissions = FEED_PERMISSIONS.filter((p) => key.packagePermissions?.includes(p.value)).map((p) =>
          p.label.toLowerCase(),
        );
        return `${key.feed ?? '(deleted directory)'}: ${permissions.join(', ') || 'no permissions'}`;
      }
      case 'System': {
        const apis = (key.systemApis ?? []).map((a) => a.toLowerCase());
        if (apis.length === 0 || apis.includes('full-control') || apis.includes('fullcontrol')) return 'Full control';
        if (apis.includes('feeds') || apis.includes('feed-management')) return 'Directory APIs';
        return apis.join(', ');
      }
    }
  }

  protected expired(key: ApiKeyInfo): boolean {
    return !!key.expiration && new Date(key.expiration).getTime() <= Date.now();
  }

  protected async create(): Promise<void> {
    if (this.creating()) return;
    this.creating.set(true);
    let data: ApiKeyDialogData;
    try {
      data = await this.dialogData();
    } catch (e) {
      this.snackBar.open(`Could not prepare a new key: ${errorMessage(e)}`, 'Dismiss');
      return;
    } finally {
      this.creating.set(false);
    }
    const ref = this.dialog.open<ApiKeyDialog, ApiKeyDialogData, ApiKeyInfo>(ApiKeyDialog, {
      data,
      width: '34rem',
      maxWidth: '95vw',
      autoFocus: 'first-tabbable',
    });
    const created = await firstValueFrom(ref.afterClosed());
    if (!created) return;
    const { key: secret, ...info } = created;
    // The list never holds the secret: only the dialog below shows it, once.
    this.keys.update((list) => [info, ...(list ?? [])]);
    if (secret) {
      this.dialog.open<ApiKeySecretDialog, ApiKeySecretData>(ApiKeySecretDialog, {
        data: { key: secret, label: info.displayName ? `API key “${info.displayName}”` : `API key #${info.id}` },
        width: '36rem',
        maxWidth: '95vw',
        disableClose: true,
        autoFocus: 'dialog',
        role: 'alertdialog',
      });
    }
  }

  protected async revoke(key: ApiKeyInfo): Promise<void> {
    const name = key.displayName ? `“${key.displayName}”` : `#${key.id}`;
    const confirmed = await confirmAction(this.dialog, {
      title: `Revoke API key ${name}?`,
      message: 'Whatever uses this key is refused from now on. A revoked key cannot be restored.',
      details: [`${this.typeLabel(key)} key: ${this.scope(key)}`],
      confirmLabel: 'Revoke key',
      destructive: true,
    });
    if (!confirmed) return;
    try {
      await firstValueFrom(this.api.revoke(key.id), { defaultValue: undefined });
      this.keys.update((list) =>
        this.includeRevoked()
          ? list?.map((k) => (k.id === key.id ? { ...k, revokedAt: new Date().toISOString() } : k))
          : list?.filter((k) => k.id !== key.id),
      );
      this.snackBar.open(`API key ${name} revoked.`, 'OK', { duration: 4000 });
    } catch (e) {
      this.snackBar.open(`Could not revoke ${name}: ${errorMessage(e)}`, 'Dismiss');
    }
  }

  /** Directories the user manages (feed keys) and, for administrators, every user. */
  private async dialogData(): Promise<ApiKeyDialogData> {
    const administrator = this.administrator();
    const [feeds, userList] = await firstValueFrom(
      forkJoin([this.feedsApi.list(), administrator ? this.usersApi.list() : of([])]),
    );
    const self = this.auth.userName() ?? '';
    return {
      administrator,
      self,
      users: userList.map((u) => u.userName),
      feeds: feeds.filter((f) => administrator || f.privileges?.includes(Privilege.ManageFeed)).map((f) => f.name),
    };
  }
}
