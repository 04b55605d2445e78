import { HttpErrorResponse } from '@angular/common/http';

/**
 * The text to show for a failed request: the API's `{code, message}` message, or the plain-text
 * message of `/endpoints/…`, when there is one.
 */
export function errorMessage(error: unknown): string {
  if (error instanceof HttpErrorResponse) {
    const body: unknown = error.error;
    if (body && typeof body === 'object' && 'message' in body && typeof body.message === 'string' && body.message) {
      return body.message;
    }
    // `/endpoints/…` answers errors as short text/plain (spec §2), which HttpClient hands over as a string.
    if (typeof body === 'string' && body.trim() && body.length <= 1000 && !body.trimStart().startsWith('<')) {
      return body.trim();
    }
    if (error.status === 0) return 'The server could not be reached. Check your connection and try again.';
    return `The server answered ${error.status}${error.statusText ? ` ${error.statusText}` : ''}.`;
  }
  return error instanceof Error ? error.message : String(error);
}
