import type { AbstractControl, ValidationErrors, ValidatorFn } from '@angular/forms';
import type { ErrorStateMatcher } from '@angular/material/core';

/** Shows a field's problem as soon as it is typed in (not only after leaving it). */
export const AS_YOU_TYPE: ErrorStateMatcher = {
  isErrorState: (control) => !!control && control.invalid && (control.dirty || control.touched),
};

/** Wraps a contracts checker (`userNameProblem`, `principalNameProblem`): `{name: problem}`. */
export function nameValidator(problem: (name: string) => string | undefined): ValidatorFn {
  return (control: AbstractControl): ValidationErrors | null => {
    const value = String(control.value ?? '');
    if (value === '') return null; // `required` speaks for empty fields
    const found = problem(value.normalize('NFC'));
    return found ? { name: found } : null;
  };
}
