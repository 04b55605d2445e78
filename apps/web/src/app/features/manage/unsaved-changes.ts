import { inject } from '@angular/core';
import { MatDialog } from '@angular/material/dialog';
import type { CanDeactivateFn } from '@angular/router';
import { confirmAction } from '../../shared/confirm-dialog';

/** A routed component that may hold edits not saved yet. */
export interface HasUnsavedChanges {
  hasUnsavedChanges(): boolean;
}

/**
 * Leaving the manage page's tab (another tab, another page, the back button inside the app) while
 * the retention rules have unsaved changes asks first; cancelling stays.
 */
export const unsavedChangesGuard: CanDeactivateFn<HasUnsavedChanges> = (component) => {
  if (!component?.hasUnsavedChanges()) return true;
  return confirmAction(inject(MatDialog), {
    title: 'Discard unsaved retention rules?',
    message: 'Your changes to the retention rules have not been saved. Leaving now discards them.',
    confirmLabel: 'Discard changes',
    destructive: true,
  });
};
