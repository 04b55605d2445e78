import { ChangeDetectionStrategy, Component, input } from '@angular/core';

/** Placeholder: a directory's retention rules, preview, apply and run history. */
@Component({
  selector: 'app-retention-panel',
  template: `<p>Retention of {{ feed() }}</p>`,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RetentionPanel {
  readonly feed = input.required<string>();
}
