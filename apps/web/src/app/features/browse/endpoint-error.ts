import { HttpErrorResponse } from '@angular/common/http';
import { errorMessage } from '../../core/http/api-error';

/**
 * The message of a failed request: `/endpoints/…` answers errors as short `text/plain` (spec §2),
 * `/api/…` as JSON `{code, message}` (see errorMessage()).
 */
export function failureMessage(error: unknown): string {
  if (error instanceof HttpErrorResponse && typeof error.error === 'string') {
    const text = error.error.trim();
    if (text && text.length <= 1000 && !text.startsWith('<')) return text;
  }
  return errorMessage(error);
}
