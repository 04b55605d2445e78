import { Clipboard } from '@angular/cdk/clipboard';
import { ChangeDetectionStrategy, Component, inject, input } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatSnackBar } from '@angular/material/snack-bar';
import { MatTooltipModule } from '@angular/material/tooltip';

/** An icon button that copies `text` and says so in a snackbar. */
@Component({
  selector: 'app-copy-button',
  imports: [MatButtonModule, MatTooltipModule],
  template: `
    <button
      mat-icon-button
      type="button"
      [attr.aria-label]="'Copy ' + what()"
      [matTooltip]="'Copy ' + what()"
      [attr.data-testid]="testId() || null"
      (click)="copy()"
    >
      <svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20">
        <path
          fill="currentColor"
          d="M16 1H4a2 2 0 0 0-2 2v14h2V3h12V1zm3 4H8a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h11a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2zm0 16H8V7h11v14z"
        />
      </svg>
    </button>
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class CopyButton {
  private readonly clipboard = inject(Clipboard);
  private readonly snackBar = inject(MatSnackBar);

  readonly text = input.required<string>();
  /** What is copied, lower case: "the download URL", "the SHA-256 hash". */
  readonly what = input.required<string>();
  readonly testId = input('');

  protected copy(): void {
    const copied = this.clipboard.copy(this.text());
    const what = this.what();
    this.snackBar.open(
      copied ? `Copied ${what}.` : `Could not copy ${what}: select it and copy it by hand.`,
      undefined,
      { duration: 3000 },
    );
  }
}
