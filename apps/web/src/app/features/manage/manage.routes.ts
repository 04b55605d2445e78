import type { ResolveFn, Route, UrlSegment } from '@angular/router';
import { unsavedChangesGuard } from './unsaved-changes';

export const MANAGE_TABS = [
  'settings',
  'storage',
  'connector',
  'retention',
  'permissions',
  'shares',
  'webhooks',
] as const;
export type ManageTab = (typeof MANAGE_TABS)[number];

export function isManageTab(value: string): value is ManageTab {
  return (MANAGE_TABS as readonly string[]).includes(value);
}

const TAB_TITLES: Record<ManageTab, string> = {
  settings: 'Settings',
  storage: 'Storage',
  connector: 'Connector',
  retention: 'Retention',
  permissions: 'Permissions',
  shares: 'Shares',
  webhooks: 'Webhooks',
};

const title: ResolveFn<string> = (route) => {
  const tab = route.paramMap.get('tab') ?? 'settings';
  const feed = route.paramMap.get('feed') ?? '';
  return `${TAB_TITLES[isManageTab(tab) ? tab : 'settings']} · ${feed} · Stockroom`;
};

/** `/feeds/{feed}/manage/{settings|storage|connector|retention|permissions|shares|webhooks}`; anything else: settings. */
export const MANAGE_ROUTES: Route[] = [
  { path: '', pathMatch: 'full', redirectTo: 'settings' },
  {
    path: ':tab',
    canMatch: [(_route: Route, segments: UrlSegment[]) => isManageTab(segments[0]?.path ?? '')],
    title,
    // Moving to another tab changes :tab, so it runs then too (runGuardsAndResolvers: paramsChange).
    canDeactivate: [unsavedChangesGuard],
    loadComponent: () => import('./manage-page').then((m) => m.ManagePage),
  },
  { path: '**', redirectTo: 'settings' },
];
