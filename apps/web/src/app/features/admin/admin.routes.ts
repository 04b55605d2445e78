import { ChangeDetectionStrategy, Component } from '@angular/core';
import type { Route } from '@angular/router';

/** Placeholder: administration (users, groups, roles, privileges, API keys, audit log). */
@Component({
  selector: 'app-admin-page',
  template: `<h1>Administration</h1>`,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class AdminPage {}

export const ADMIN_ROUTES: Route[] = [{ path: '', component: AdminPage, title: 'Administration · Stockroom' }];
