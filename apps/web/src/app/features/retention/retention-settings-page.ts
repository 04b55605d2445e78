import { ChangeDetectionStrategy, Component } from '@angular/core';

/** Placeholder: the global retention schedule (GET/POST /api/retention/settings) and all runs. */
@Component({
  selector: 'app-retention-settings-page',
  template: `<h2>Retention</h2>`,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RetentionSettingsPage {}
