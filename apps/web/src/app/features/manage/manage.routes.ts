import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import type { Route } from '@angular/router';

/** Placeholder: managing one directory (settings, storage, retention, permissions). */
@Component({
  selector: 'app-manage-page',
  template: `<h1>Manage {{ feed() }}</h1>`,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ManagePage {
  readonly feed = input.required<string>();
}

export const MANAGE_ROUTES: Route[] = [{ path: '', component: ManagePage, title: 'Manage · Stockroom' }];
