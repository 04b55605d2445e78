import { ChangeDetectionStrategy, Component } from '@angular/core';
import { WebhooksPanel } from './webhooks-panel';

/** `/admin/webhooks`: the global webhooks (Administer). */
@Component({
  selector: 'app-webhooks-page',
  imports: [WebhooksPanel],
  template: `<app-webhooks-panel [feed]="null" />`,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class WebhooksPage {}
