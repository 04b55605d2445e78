import type { Route } from '@angular/router';
import { SIGN_IN_PATH } from './core/auth/sign-in-url';
import { Shell } from './core/shell/shell';

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
      { path: '**', redirectTo: '' },
    ],
  },
];
