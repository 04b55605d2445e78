import type { HarnessLoader } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Component, inject } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatCheckboxHarness } from '@angular/material/checkbox/testing';
import { MatDialog } from '@angular/material/dialog';
import { MatDialogHarness } from '@angular/material/dialog/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { MatSelectHarness } from '@angular/material/select/testing';
import type { AssetItem, AssetTransferResult } from '@stockroom/contracts';
import { noMaterialAnimations } from '../../testing/material';
import { type Entry, toEntry } from './entries';
import { TransferDialog, type TransferDialogData, type TransferDialogResult } from './transfer-dialog';

@Component({ template: '' })
class Host {
  readonly dialog = inject(MatDialog);
}

function item(name: string, folder = false): AssetItem {
  return {
    name,
    type: folder ? 'dir' : 'text/plain',
    size: folder ? undefined : 10,
    created: '2025-01-01T00:00:00Z',
    modified: '2025-01-01T00:00:00Z',
  } as AssetItem;
}

const entry = (name: string, folder = false, parent = ''): Entry => toEntry(item(name, folder), parent);

const RESULT: AssetTransferResult = {
  kind: 'file',
  directory: 'builds',
  path: 'x',
  items: 1,
  files: 1,
  bytesCopied: 0,
  replaced: false,
};

describe('TransferDialog', () => {
  let backend: HttpTestingController;
  let root: HarnessLoader;
  let closed: TransferDialogResult | undefined | 'open';

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), noMaterialAnimations],
    });
    backend = TestBed.inject(HttpTestingController);
  });
  afterEach(() => {
    backend.verify();
    TestBed.inject(MatDialog).closeAll();
  });

  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve));
    TestBed.tick();
    await new Promise((resolve) => setTimeout(resolve));
  }

  async function open(data: TransferDialogData): Promise<MatDialogHarness> {
    const fixture = TestBed.createComponent(Host);
    closed = 'open';
    fixture.componentInstance.dialog
      .open<TransferDialog, TransferDialogData, TransferDialogResult | undefined>(TransferDialog, { data })
      .afterClosed()
      .subscribe((result) => (closed = result));
    root = TestbedHarnessEnvironment.documentRootLoader(fixture);
    return root.getHarness(MatDialogHarness);
  }

  const submit = async (dialog: MatDialogHarness) =>
    (await dialog.getHarness(MatButtonHarness.with({ selector: '[data-testid=transfer-submit]' }))).click();
  const nameInput = (dialog: MatDialogHarness) =>
    dialog.getHarness(MatInputHarness.with({ selector: '[data-testid=transfer-name]' }));
  const folderButtons = () =>
    Array.from(document.querySelectorAll<HTMLButtonElement>('[data-testid=picker-folder]')).map((b) => ({
      name: b.dataset['name'],
      disabled: b.disabled,
    }));

  it('renames with a move in the same folder, refusing a taken or unchanged name first', async () => {
    const dialog = await open({
      mode: 'rename',
      feed: 'builds',
      folder: 'docs',
      entries: [entry('a.txt', false, 'docs')],
      taken: new Set(['a.txt', 'b.txt']),
    });
    const name = await nameInput(dialog);
    expect(await name.getValue()).toBe('a.txt');
    const submitButton = await dialog.getHarness(MatButtonHarness.with({ selector: '[data-testid=transfer-submit]' }));
    expect(await submitButton.isDisabled()).toBe(true);
    await name.setValue('B.txt');
    expect(document.querySelector('[data-testid=transfer-name-problem]')?.textContent).toContain(
      'already has this name',
    );
    // Another case of its own name is a rename.
    await name.setValue('A.TXT');
    expect(await submitButton.isDisabled()).toBe(false);
    await name.setValue('c.txt');
    await submitButton.click();
    const req = backend.expectOne('/endpoints/builds/move/docs/a.txt');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({ to: 'docs/c.txt', overwrite: false });
    req.flush(RESULT, { status: 201, statusText: 'Created' });
    await settle();
    expect(closed).toEqual({ done: 1, directory: 'builds', folder: 'docs' });
  });

  it('moves a selection into a folder picked in the listing, never into a folder being moved', async () => {
    const dialog = await open({
      mode: 'move',
      feed: 'builds',
      folder: '',
      entries: [entry('docs', true), entry('readme.txt')],
      directories: ['builds', 'archive'],
    });
    backend.expectOne('/endpoints/builds/dir/').flush([item('docs', true), item('releases', true), item('readme.txt')]);
    await settle();
    expect(folderButtons()).toEqual([
      { name: 'docs', disabled: true },
      { name: 'releases', disabled: false },
    ]);
    // Several items keep their names: no name field.
    expect(document.querySelector('[data-testid=transfer-name]')).toBeNull();
    document.querySelector<HTMLButtonElement>('[data-testid=picker-folder][data-name=releases]')?.click();
    await settle();
    backend.expectOne('/endpoints/builds/dir/releases').flush([item('v1', true)]);
    await settle();
    expect(document.querySelector('[data-testid=transfer-destination]')?.textContent).toContain('builds/releases');
    await submit(dialog);
    const first = backend.expectOne('/endpoints/builds/move/docs');
    expect(first.request.body).toEqual({ to: 'releases/docs', overwrite: false });
    first.flush(RESULT);
    await settle();
    const second = backend.expectOne('/endpoints/builds/move/readme.txt');
    expect(second.request.body).toEqual({ to: 'releases/readme.txt', overwrite: false });
    second.flush(RESULT);
    await settle();
    expect(closed).toEqual({ done: 2, directory: 'builds', folder: 'releases' });
  });

  it("copies into another directory, shows the server's 409 and sends only what is left, with overwrite", async () => {
    const dialog = await open({
      mode: 'copy',
      feed: 'builds',
      folder: '',
      entries: [entry('a.txt'), entry('b.txt')],
      directories: ['builds', 'archive'],
    });
    backend.expectOne('/endpoints/builds/dir/').flush([]);
    const directory = await dialog.getHarness(MatSelectHarness.with({ selector: '[data-testid=transfer-directory]' }));
    await directory.open();
    await directory.clickOptions({ text: 'archive' });
    backend.expectOne('/endpoints/archive/dir/').flush([]);
    await submit(dialog);
    backend.expectOne('/endpoints/builds/copy/a.txt').flush(RESULT);
    await settle();
    const conflict = backend.expectOne('/endpoints/builds/copy/b.txt');
    expect(conflict.request.body).toEqual({ to: 'b.txt', toDirectory: 'archive', overwrite: false });
    conflict.flush('"b.txt" already exists: pass "overwrite": true to replace it.', {
      status: 409,
      statusText: 'Conflict',
    });
    await settle();
    expect(closed).toBe('open');
    expect(document.querySelector('[data-testid=transfer-error]')?.textContent).toContain(
      'Could not copy “b.txt”: "b.txt" already exists',
    );

    await (await dialog.getHarness(MatCheckboxHarness.with({ selector: '[data-testid=transfer-overwrite]' }))).check();
    await submit(dialog);
    const retry = backend.expectOne('/endpoints/builds/copy/b.txt');
    expect(retry.request.body).toEqual({ to: 'b.txt', toDirectory: 'archive', overwrite: true });
    retry.flush(RESULT);
    await settle();
    backend.expectNone('/endpoints/builds/copy/a.txt');
    expect(closed).toEqual({ done: 2, directory: 'archive', folder: '' });
  });

  it('closes with what was done even when the rest failed and the user gives up', async () => {
    const dialog = await open({ mode: 'copy', feed: 'builds', folder: '', entries: [entry('a.txt')] });
    backend.expectOne('/endpoints/builds/dir/').flush([]);
    await submit(dialog);
    backend
      .expectOne('/endpoints/builds/copy/a.txt')
      .flush('The quota of 1.00 MiB is used up.', { status: 413, statusText: 'Payload Too Large' });
    await settle();
    expect(document.querySelector('[data-testid=transfer-error]')?.textContent).toContain('quota of 1.00 MiB');
    await (await dialog.getHarness(MatButtonHarness.with({ selector: '[data-testid=transfer-cancel]' }))).click();
    await settle();
    expect(closed).toBeUndefined();
  });
});
