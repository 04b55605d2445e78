import { ChangeDetectionStrategy, Component, input, output } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { RouterLink } from '@angular/router';

/**
 * A failed request, said plainly: what could not be done, the server's reason, and a way on
 * (try again, and a link back to somewhere that works).
 */
@Component({
  selector: 'app-error-banner',
  imports: [MatButtonModule, RouterLink],
  template: `
    <div class="banner" role="alert">
      <p>
        <strong>{{ action() }}</strong>
        <span class="reason">{{ message() }}</span>
      </p>
      <div class="actions">
        @if (retryable()) {
          <button mat-stroked-button type="button" (click)="retry.emit()">Try again</button>
        }
        @if (backLink(); as link) {
          <a mat-button [routerLink]="link">{{ backLabel() }}</a>
        }
      </div>
    </div>
  `,
  styles: `
    .banner {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      justify-content: space-between;
      gap: 0.5rem 1rem;
      margin: 0.5rem 0 1rem;
      padding: 0.75rem 1rem;
      border-radius: var(--mat-sys-corner-small, 4px);
      background: var(--mat-sys-error-container);
      color: var(--mat-sys-on-error-container);
    }
    p {
      margin: 0;
    }
    .reason {
      margin-left: 0.35rem;
    }
    .actions {
      display: flex;
      gap: 0.5rem;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ErrorBanner {
  /** What failed, e.g. "Could not load the folder." */
  readonly action = input.required<string>();
  /** The reason: the API's message (see errorMessage()). */
  readonly message = input.required<string>();
  readonly retryable = input(false);
  readonly backLink = input<string | unknown[] | undefined>(['/']);
  readonly backLabel = input('Back to directories');
  readonly retry = output<void>();
}
