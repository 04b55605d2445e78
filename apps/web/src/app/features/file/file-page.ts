import { ChangeDetectionStrategy, Component, input } from '@angular/core';

/** Placeholder: one file (deep link /feeds/{feed}/files/{path}). */
@Component({
  selector: 'app-file-page',
  template: `<h1>{{ path() }}</h1>`,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class FilePage {
  readonly feed = input.required<string>();
  readonly path = input('');
}
