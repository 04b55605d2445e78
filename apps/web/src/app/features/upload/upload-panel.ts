import { ChangeDetectionStrategy, Component } from '@angular/core';

/** Placeholder: the upload queue's panel (per-file and overall progress, cancel, retry), in the shell. */
@Component({
  selector: 'app-upload-panel',
  template: ``,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class UploadPanel {}
