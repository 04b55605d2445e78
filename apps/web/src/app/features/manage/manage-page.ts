import {
  ChangeDetectionStrategy,
  Component,
  computed,
  effect,
  inject,
  input,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import { MatTabsModule } from '@angular/material/tabs';
import { RouterLink } from '@angular/router';
import { type Feed, Privilege } from '@stockroom/contracts';
import { AuthStore } from '../../core/auth/auth-store';
import { errorMessage } from '../../core/http/api-error';
import { ErrorBanner } from '../../shared/error-banner';
import { browseLink, manageLink } from '../../shared/links';
import { FeedsApi } from '../feeds/feeds-api';
import { RetentionPanel } from '../retention/retention-panel';
import { FeedSettings } from './feed-settings';
import { isManageTab, MANAGE_TABS, type ManageTab } from './manage.routes';
import { SharesTab } from '../shares/shares-tab';
import { ConnectorTab } from '../connectors/connector-tab';
import { WebhooksPanel } from '../webhooks/webhooks-panel';
import { PermissionsTab } from './permissions-tab';
import { StorageTab } from './storage-tab';
import type { HasUnsavedChanges } from './unsaved-changes';

const TAB_LABELS: Record<ManageTab, string> = {
  settings: 'Settings',
  storage: 'Storage',
  connector: 'Connector',
  retention: 'Retention',
  permissions: 'Permissions',
  shares: 'Shares',
  webhooks: 'Webhooks',
};

/**
 * `/feeds/{feed}/manage/{tab}`: one directory's settings, storage, connector, retention, permissions,
 * share links and webhooks.
 */
@Component({
  selector: 'app-manage-page',
  imports: [
    MatTabsModule,
    RouterLink,
    ErrorBanner,
    FeedSettings,
    StorageTab,
    RetentionPanel,
    PermissionsTab,
    SharesTab,
    ConnectorTab,
    WebhooksPanel,
  ],
  templateUrl: './manage-page.html',
  styleUrl: './manage-page.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ManagePage implements HasUnsavedChanges {
  private readonly api = inject(FeedsApi);
  private readonly auth = inject(AuthStore);

  /** Route params (component input binding). */
  readonly feed = input.required<string>();
  readonly tab = input<string>('settings');

  protected readonly current = computed<ManageTab>(() => {
    const tab = this.tab();
    return isManageTab(tab) ? tab : 'settings';
  });
  protected readonly tabs = MANAGE_TABS.map((id) => ({ id, label: TAB_LABELS[id] }));
  protected readonly details = signal<Feed | undefined>(undefined);
  protected readonly error = signal<string | undefined>(undefined);
  private readonly reloads = signal(0);
  private readonly retention = viewChild(RetentionPanel);

  protected readonly canManage = computed(() => this.details()?.privileges?.includes(Privilege.ManageFeed) === true);
  protected readonly browseLink = computed(() => browseLink(this.feed()));
  protected readonly tabLink = (tab: ManageTab) => manageLink(this.feed(), tab);

  constructor() {
    effect((onCleanup) => {
      const name = this.feed();
      // Again when the user changes (sign-in) or asks to retry.
      if (this.auth.userName() === undefined) return;
      this.reloads();
      this.error.set(undefined);
      if (untracked(this.details)?.name !== name) this.details.set(undefined);
      // With the counts: the Settings tab's delete says what would be lost.
      const request = this.api.get(name, { stats: true }).subscribe({
        next: (feed) => this.details.set(feed),
        error: (e: unknown) => this.error.set(errorMessage(e)),
      });
      onCleanup(() => request.unsubscribe());
    });
  }

  /** The retention tab holds rule changes not saved yet (unsavedChangesGuard asks before leaving). */
  hasUnsavedChanges(): boolean {
    return this.retention()?.hasUnsavedChanges() === true;
  }

  protected reload(): void {
    this.reloads.update((n) => n + 1);
  }

  /** The settings tab saved (a rename navigates; the new name's load replaces this). */
  protected saved(feed: Feed): void {
    this.details.set(feed);
  }
}
