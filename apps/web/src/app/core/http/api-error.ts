import { HttpErrorResponse } from '@angular/common/http';

/** The text to show for a failed request: the API's `{code, message}` message when there is one. */
export function errorMessage(error: unknown): string {
  if (error instanceof HttpErrorResponse) {
    const body: unknown = error.error;
    if (body && typeof body === 'object' && 'message' in body && typeof body.message === 'string' && body.message) {
      return body.message;
    }
    if (error.status === 0) return 'The server could not be reached. Check your connection and try again.';
    return `The server answered ${error.status}${error.statusText ? ` ${error.statusText}` : ''}.`;
  }
  return error instanceof Error ? error.message : String(error);
}
