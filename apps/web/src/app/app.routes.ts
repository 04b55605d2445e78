import type { Route } from '@angular/router';
import { SIGN_IN_PATH } from './core/auth/sign-in-url';
import { Shell } from './core/shell/shell';
import { feedAreaMatcher } from './shared/links';

export const appRoutes: Route[] = [
  {
    path: '',
    component: Shell,
    children: [
      {
        path: '',
        pathMatch: 'full',
        title: 'Asset directories · Stockroom',
        loadComponent: () => import('./features/feeds/feed-list-page').then((m) => m.FeedListPage),
      },
      {
        path: SIGN_IN_PATH,
        title: 'Sign in · Stockroom',
        loadComponent: () => import('./features/account/sign-in-page').then((m) => m.SignInPage),
      },
      {
        // /feeds/{feed}/browse/{folder…}
        matcher: feedAreaMatcher('browse'),
        title: 'Browse · Stockroom',
        loadComponent: () => import('./features/browse/browse-page').then((m) => m.BrowsePage),
      },
      {
        // /feeds/{feed}/files/{path…}
        matcher: feedAreaMatcher('files'),
        title: 'File · Stockroom',
        loadComponent: () => import('./features/file/file-page').then((m) => m.FilePage),
      },
      {
        path: 'feeds/:feed/manage',
        loadChildren: () => import('./features/manage/manage.routes').then((m) => m.MANAGE_ROUTES),
      },
      { path: 'feeds/:feed', pathMatch: 'full', redirectTo: 'feeds/:feed/browse' },
      {
        path: 'admin',
        loadChildren: () => import('./features/admin/admin.routes').then((m) => m.ADMIN_ROUTES),
      },
      { path: '**', redirectTo: '' },
    ],
  },
];
