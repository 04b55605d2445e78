import { Clipboard } from '@angular/cdk/clipboard';
import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';

export interface ApiKeySecretData {
  /** The secret. */
  key: string;
  /** What to call the key, e.g. its name. */
  label: string;
}

/** The new key's secret, this once: copy it, with a plain warning that it cannot be shown again. */
@Component({
  selector: 'app-api-key-secret-dialog',
  imports: [MatDialogModule, MatButtonModule, MatFormFieldModule, MatInputModule],
  template: `
    <h2 mat-dialog-title>API key created</h2>
    <mat-dialog-content>
      <p class="warning" role="alert">
        <strong>Copy this key now.</strong> It is not stored anywhere readable and will not be shown again.
      </p>
      <mat-form-field appearance="outline">
        <mat-label>{{ data.label }}</mat-label>
        <input
          matInput
          readonly
          class="secret"
          [value]="data.key"
          (focus)="select($event)"
          data-testid="api-key-secret"
          spellcheck="false"
          autocomplete="off"
        />
      </mat-form-field>
      <div class="copy">
        <button mat-flat-button type="button" (click)="copy()" data-testid="copy-api-key" cdkFocusInitial>
          Copy to clipboard
        </button>
        <span class="status" aria-live="polite" data-testid="copy-status">{{ status() }}</span>
      </div>
      <p class="hint">
        Send it in the <code>X-ApiKey</code> header, or as the password with user name <code>api</code>.
      </p>
    </mat-dialog-content>
    <mat-dialog-actions align="end">
      <button mat-button type="button" mat-dialog-close data-testid="close-api-key-secret">
        {{ copied() ? 'Done' : 'Close without copying' }}
      </button>
    </mat-dialog-actions>
  `,
  styles: `
    mat-form-field {
      width: 100%;
    }
    .secret {
      font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
    }
    .warning {
      margin: 0 0 1rem;
      padding: 0.75rem 1rem;
      border-radius: var(--mat-sys-corner-small, 4px);
      background: var(--mat-sys-tertiary-container);
      color: var(--mat-sys-on-tertiary-container);
    }
    .copy {
      display: flex;
      align-items: center;
      gap: 1rem;
    }
    .hint {
      color: var(--mat-sys-on-surface-variant);
      font: var(--mat-sys-body-small);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ApiKeySecretDialog {
  private readonly clipboard = inject(Clipboard);
  protected readonly data = inject<ApiKeySecretData>(MAT_DIALOG_DATA);
  protected readonly copied = signal(false);
  protected readonly status = signal('');

  protected copy(): void {
    if (this.clipboard.copy(this.data.key)) {
      this.copied.set(true);
      this.status.set('Copied.');
    } else {
      this.status.set('Could not copy: select the key and copy it yourself.');
    }
  }

  protected select(event: FocusEvent): void {
    (event.target as HTMLInputElement).select();
  }
}
