import { ChangeDetectionStrategy, Component } from '@angular/core';
import { RouterOutlet } from '@angular/router';
import { UploadPanel } from './features/upload/upload-panel';

/**
 * The root: every page is a route (see app.routes.ts), inside the shell (core/shell). Features that
 * outlive a page are placed here, so the shell stays free of features: the upload queue's panel
 * (fixed at the bottom right, loaded once the browser is idle) keeps going across navigations.
 */
@Component({
  selector: 'app-root',
  imports: [RouterOutlet, UploadPanel],
  template: `<router-outlet />
    @defer (on idle) {
      <app-upload-panel />
    }`,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class App {}
