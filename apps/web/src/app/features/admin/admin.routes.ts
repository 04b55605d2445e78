import type { Route } from '@angular/router';
import { AdminLayout } from './admin-layout';

/**
 * `/admin/…`: the administration area. Every page but API keys needs the Administer privilege
 * (AdminLayout says so instead of showing the page); API keys is open to anyone signed in, who
 * manages their own personal keys there.
 */
export const ADMIN_ROUTES: Route[] = [
  {
    path: '',
    component: AdminLayout,
    children: [
      { path: '', pathMatch: 'full', redirectTo: 'users' },
      {
        path: 'users',
        title: 'Users · Stockroom',
        loadComponent: () => import('./users-page').then((m) => m.UsersPage),
      },
      {
        path: 'groups',
        title: 'Groups · Stockroom',
        loadComponent: () => import('./groups-page').then((m) => m.GroupsPage),
      },
      {
        path: 'roles',
        title: 'Roles · Stockroom',
        loadComponent: () => import('./roles-page').then((m) => m.RolesPage),
      },
      {
        path: 'privileges',
        title: 'Privileges · Stockroom',
        loadComponent: () => import('./privileges-page').then((m) => m.PrivilegesPage),
      },
      {
        path: 'api-keys',
        title: 'API keys · Stockroom',
        loadComponent: () => import('./api-keys-page').then((m) => m.ApiKeysPage),
      },
      {
        path: 'audit',
        title: 'Audit log · Stockroom',
        loadComponent: () => import('./audit-page').then((m) => m.AuditPage),
      },
      {
        path: 'sso',
        title: 'Single sign-on · Stockroom',
        loadComponent: () => import('./sso-page').then((m) => m.SsoPage),
      },
      {
        path: 'retention',
        title: 'Retention · Stockroom',
        loadComponent: () => import('../retention/retention-settings-page').then((m) => m.RetentionSettingsPage),
      },
      {
        path: 'replication',
        title: 'Replication · Stockroom',
        loadComponent: () => import('../replication/replication-page').then((m) => m.ReplicationPage),
      },
      {
        path: 'webhooks',
        title: 'Webhooks · Stockroom',
        loadComponent: () => import('../webhooks/webhooks-page').then((m) => m.WebhooksPage),
      },
      { path: '**', redirectTo: 'users' },
    ],
  },
];
