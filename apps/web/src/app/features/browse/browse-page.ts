import { ChangeDetectionStrategy, Component, input } from '@angular/core';

/** Placeholder: the folder listing of a directory (deep link /feeds/{feed}/browse/{path}). */
@Component({
  selector: 'app-browse-page',
  template: `<h1>{{ feed() }}</h1>
    <p>{{ path() }}</p>`,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class BrowsePage {
  readonly feed = input.required<string>();
  readonly path = input('');
}
