import type { AbstractControl, ValidationErrors, ValidatorFn } from '@angular/forms';
import { isValidFeedName } from '@stockroom/contracts';

export const FEED_NAME_MAX = 100;

/**
 * What is wrong with a directory name, in words, by the server's rule (FEED_NAME_PATTERN:
 * 1–100 of A–Z a–z 0–9 . _ -, starting with a letter or digit); undefined when it is fine.
 */
export function feedNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'Enter a name.';
  if (name.length > FEED_NAME_MAX) return `Use at most ${FEED_NAME_MAX} characters (this one has ${name.length}).`;
  if (!/^[A-Za-z0-9]/.test(name)) return 'Start with a letter or a digit.';
  const bad = [...new Set(name.match(/[^A-Za-z0-9._-]/gu) ?? [])];
  if (bad.length > 0) {
    const shown = bad.map((c) => (c === ' ' ? 'spaces' : `“${c}”`)).join(', ');
    return `Only letters A–Z, digits, “.”, “_” and “-” are allowed, not ${shown}.`;
  }
  // The server's pattern is the judge; the rules above only put its refusal in words.
  return isValidFeedName(name) ? undefined : 'Use letters, digits, “.”, “_” and “-” only.';
}

/** A form validator: `{ feedName: '<the problem>' }`. */
export const feedNameValidator: ValidatorFn = (control: AbstractControl<string>): ValidationErrors | null => {
  const problem = feedNameProblem(control.value ?? '');
  return problem ? { feedName: problem } : null;
};
