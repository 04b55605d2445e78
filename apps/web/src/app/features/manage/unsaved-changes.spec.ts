import { TestBed } from '@angular/core/testing';
import { MatDialog } from '@angular/material/dialog';
import type { ActivatedRouteSnapshot, RouterStateSnapshot } from '@angular/router';
import { noMaterialAnimations } from '../../testing/material';
import { type HasUnsavedChanges, unsavedChangesGuard } from './unsaved-changes';

describe('unsavedChangesGuard', () => {
  function ask(unsaved: boolean): boolean | Promise<boolean> {
    const component: HasUnsavedChanges = { hasUnsavedChanges: () => unsaved };
    return TestBed.runInInjectionContext(
      () =>
        unsavedChangesGuard(
          component,
          {} as ActivatedRouteSnapshot,
          {} as RouterStateSnapshot,
          {} as RouterStateSnapshot,
        ) as boolean | Promise<boolean>,
    );
  }

  function dialog(): HTMLElement | null {
    TestBed.tick();
    return document.querySelector('mat-dialog-container');
  }

  function answer(label: string): void {
    Array.from(dialog()?.querySelectorAll('button') ?? [])
      .find((b) => b.textContent?.trim() === label)
      ?.click();
  }

  beforeEach(() => TestBed.configureTestingModule({ providers: [noMaterialAnimations] }));
  afterEach(() => TestBed.inject(MatDialog).closeAll());

  it('lets the user leave at once when nothing is unsaved', () => {
    expect(ask(false)).toBe(true);
    expect(dialog()).toBeNull();
  });

  it('asks first, and stays when the user cancels', async () => {
    const leave = ask(true);
    expect(dialog()?.querySelector('h2')?.textContent?.trim()).toBe('Discard unsaved retention rules?');
    answer('Cancel');
    expect(await leave).toBe(false);
  });

  it('leaves when the user discards the changes', async () => {
    const leave = ask(true);
    answer('Discard changes');
    expect(await leave).toBe(true);
  });
});
