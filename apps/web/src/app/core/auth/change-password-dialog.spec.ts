import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ApplicationRef } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { MatDialog, type MatDialogRef } from '@angular/material/dialog';
import { noMaterialAnimations } from '../../testing/material';
import { ChangePasswordDialog } from './change-password-dialog';

describe('ChangePasswordDialog', () => {
  let backend: HttpTestingController;
  let dialogRef: MatDialogRef<ChangePasswordDialog, boolean>;
  let dialog: HTMLElement;

  beforeEach(async () => {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), noMaterialAnimations],
    });
    backend = TestBed.inject(HttpTestingController);
    dialogRef = TestBed.inject(MatDialog).open(ChangePasswordDialog);
    await settle();
    dialog = document.querySelector('mat-dialog-container') as HTMLElement;
  });

  afterEach(() => {
    backend.verify();
    TestBed.inject(MatDialog).closeAll();
  });

  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve));
    TestBed.tick();
    await TestBed.inject(ApplicationRef).whenStable();
  }

  function input(label: string): HTMLInputElement {
    const field = Array.from(dialog.querySelectorAll('mat-form-field')).find(
      (f) => f.querySelector('mat-label')?.textContent?.trim() === label,
    );
    const element = field?.querySelector('input');
    if (!element) throw new Error(`no input labelled ${label}`);
    return element;
  }

  async function fill(current: string, next: string, confirm: string): Promise<void> {
    for (const [label, value] of [
      ['Current password', current],
      ['New password', next],
      ['Confirm new password', confirm],
    ]) {
      const element = input(label);
      element.value = value;
      element.dispatchEvent(new Event('input'));
      element.dispatchEvent(new Event('blur'));
    }
    dialog.querySelector('form')?.dispatchEvent(new Event('submit'));
    await settle();
  }

  it('has three labelled password fields with autocomplete hints', () => {
    expect(dialog.querySelector('[mat-dialog-title]')?.textContent).toContain('Change password');
    expect(input('Current password').getAttribute('autocomplete')).toBe('current-password');
    expect(input('New password').getAttribute('autocomplete')).toBe('new-password');
    expect(input('Confirm new password').getAttribute('autocomplete')).toBe('new-password');
    expect(input('Current password').labels?.[0]?.textContent).toContain('Current password');
  });

  it('refuses a new password shorter than 8 characters without asking the server', async () => {
    await fill('old-pass-1', 'short', 'short');
    backend.expectNone('/api/security/me/password');
    expect(dialog.textContent).toContain('Use at least 8 characters.');
  });

  it('refuses new passwords that do not match without asking the server', async () => {
    await fill('old-pass-1', 'new-pass-12', 'new-pass-13');
    backend.expectNone('/api/security/me/password');
    expect(dialog.textContent).toContain('The new passwords do not match.');
  });

  it("shows the server's message when the current password is wrong", async () => {
    await fill('not-it-123', 'new-pass-12', 'new-pass-12');
    backend
      .expectOne('/api/security/me/password')
      .flush(
        { code: 'forbidden', message: 'The current password is wrong.' },
        { status: 403, statusText: 'Forbidden' },
      );
    await settle();
    expect(dialog.querySelector('[role=alert]')?.textContent?.trim()).toBe('The current password is wrong.');
    expect((dialog.querySelector('button[type=submit]') as HTMLButtonElement).disabled).toBe(false);
  });

  it('sends the current and new password and closes when the server accepts', async () => {
    let result: boolean | undefined;
    dialogRef.afterClosed().subscribe((r) => (result = r));
    await fill('old-pass-1', 'new-pass-12', 'new-pass-12');
    const req = backend.expectOne('/api/security/me/password');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({ currentPassword: 'old-pass-1', newPassword: 'new-pass-12' });
    expect((dialog.querySelector('button[type=submit]') as HTMLButtonElement).disabled).toBe(true);
    req.flush(null, { status: 204, statusText: 'No Content' });
    await settle();
    expect(result).toBe(true);
  });
});
