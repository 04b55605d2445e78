import type { WritableSignal } from '@angular/core';
import type { MatDialogRef } from '@angular/material/dialog';
import { errorMessage } from '../core/http/api-error';

/** The parts of a form dialog that a save drives. */
export interface SavingDialog<R> {
  submitting: WritableSignal<boolean>;
  error: WritableSignal<string | undefined>;
  dialogRef: MatDialogRef<unknown, R>;
}

/**
 * A form dialog's save: busy, and not closable, while the request runs; closes with the answer, or
 * shows the server's message and stays open for another try.
 */
export async function saveAndClose<R>(dialog: SavingDialog<R>, save: () => Promise<R>): Promise<void> {
  dialog.submitting.set(true);
  dialog.error.set(undefined);
  dialog.dialogRef.disableClose = true;
  try {
    dialog.dialogRef.close(await save());
  } catch (e) {
    dialog.error.set(errorMessage(e));
  } finally {
    dialog.submitting.set(false);
    dialog.dialogRef.disableClose = false;
  }
}
