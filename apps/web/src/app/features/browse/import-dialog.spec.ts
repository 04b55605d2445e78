import type { HarnessLoader } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { HttpErrorResponse } from '@angular/common/http';
import { Component, inject } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatCheckboxHarness } from '@angular/material/checkbox/testing';
import { MatDialog } from '@angular/material/dialog';
import { MatDialogHarness } from '@angular/material/dialog/testing';
import { MatProgressBarHarness } from '@angular/material/progress-bar/testing';
import type { ImportResult } from '@stockroom/contracts';
import { Observable, Subject } from 'rxjs';
import { noMaterialAnimations } from '../../testing/material';
import { ArchiveImporter, type ImportEvent } from './archive-importer';
import { ImportDialog, type ImportDialogData, formatOfName } from './import-dialog';

@Component({ template: '' })
class Host {
  readonly dialog = inject(MatDialog);
}

describe('ImportDialog', () => {
  let uploads: { url: string; file: Blob; events: Subject<ImportEvent>; unsubscribed: boolean }[];
  let root: HarnessLoader;
  let closed: ImportResult | undefined | 'open';

  beforeEach(() => {
    uploads = [];
    TestBed.configureTestingModule({
      providers: [
        noMaterialAnimations,
        {
          provide: ArchiveImporter,
          useValue: {
            upload: (url: string, file: Blob) =>
              new Observable<ImportEvent>((subscriber) => {
                const events = new Subject<ImportEvent>();
                const upload = { url, file, events, unsubscribed: false };
                uploads.push(upload);
                const subscription = events.subscribe(subscriber);
                return () => {
                  upload.unsubscribed = true;
                  subscription.unsubscribe();
                };
              }),
          },
        },
      ],
    });
  });

  async function open(data: ImportDialogData): Promise<MatDialogHarness> {
    const fixture = TestBed.createComponent(Host);
    closed = 'open';
    fixture.componentInstance.dialog
      .open<ImportDialog, ImportDialogData, ImportResult | undefined>(ImportDialog, { data })
      .afterClosed()
      .subscribe((result) => (closed = result));
    root = TestbedHarnessEnvironment.documentRootLoader(fixture);
    return root.getHarness(MatDialogHarness);
  }

  function choose(name: string, size = 10): File {
    const input = document.querySelector<HTMLInputElement>('[data-testid=import-file-input]');
    if (!input) throw new Error('no file input');
    const file = new File(['x'.repeat(size)], name);
    Object.defineProperty(input, 'files', { value: [file], configurable: true });
    input.dispatchEvent(new Event('change'));
    return file;
  }

  async function submit(dialog: MatDialogHarness): Promise<void> {
    await (await dialog.getHarness(MatButtonHarness.with({ selector: '[data-testid=import-submit]' }))).click();
  }

  it('knows archive formats by name and leaves others to the server', () => {
    expect(formatOfName('a.ZIP')).toBe('zip');
    expect(formatOfName('a.tgz')).toBe('tgz');
    expect(formatOfName('a.tar.gz')).toBe('tgz');
    expect(formatOfName('archive')).toBeUndefined();
  });

  it('uploads with progress, then shows what was created, overwritten and skipped', async () => {
    const dialog = await open({ feed: 'installers', folder: 'a b', canOverwrite: true });
    const file = choose('release.tar.gz', 1000);
    await (await dialog.getHarness(MatCheckboxHarness)).check();
    await submit(dialog);

    expect(uploads).toHaveLength(1);
    expect(uploads[0].url).toBe('/endpoints/installers/import/a%20b?format=tgz&overwrite=true');
    expect(uploads[0].file).toBe(file);
    uploads[0].events.next({ kind: 'progress', loaded: 250, total: 1000 });
    const bar = await dialog.getHarness(MatProgressBarHarness);
    expect(await bar.getValue()).toBe(25);
    expect(await bar.getMode()).toBe('determinate');
    expect(await dialog.getContentText()).toContain('Uploading… 25%');
    expect(
      await (await dialog.getHarness(MatButtonHarness.with({ selector: '[data-testid=import-submit]' }))).isDisabled(),
    ).toBe(true);

    uploads[0].events.next({ kind: 'progress', loaded: 1000, total: 1000 });
    expect(await bar.getMode()).toBe('indeterminate');
    expect(await dialog.getContentText()).toContain('Expanding the archive…');

    uploads[0].events.next({ kind: 'done', result: { created: 12, overwritten: 3, skipped: 1 } });
    uploads[0].events.complete();
    await dialog.getContentText(); // renders
    const summary = document.querySelector('[data-testid=import-summary]')?.textContent ?? '';
    expect(summary).toContain('12 created');
    expect(summary).toContain('3 overwritten');
    expect(summary).toContain('1 skipped');
    expect(await dialog.getHarnessOrNull(MatProgressBarHarness)).toBeNull();

    await (await dialog.getHarness(MatButtonHarness.with({ text: 'Close' }))).click();
    expect(closed).toEqual({ created: 12, overwritten: 3, skipped: 1 });
  });

  it('never asks to overwrite without the Overwrite privilege', async () => {
    const dialog = await open({ feed: 'installers', folder: '', canOverwrite: false });
    expect(await dialog.getHarnessOrNull(MatCheckboxHarness)).toBeNull();
    expect(await dialog.getContentText()).toContain('Files that exist already are kept');
    choose('bundle.zip');
    await submit(dialog);
    expect(uploads[0].url).toBe('/endpoints/installers/import/?format=zip&overwrite=false');
  });

  it('asks for a file first', async () => {
    const dialog = await open({ feed: 'installers', folder: '', canOverwrite: false });
    await submit(dialog);
    expect(uploads).toHaveLength(0);
    expect(await dialog.getContentText()).toContain('Choose a .zip or .tgz file.');
  });

  it("shows the server's reason for refusing the archive, and can try again", async () => {
    const dialog = await open({ feed: 'installers', folder: '', canOverwrite: false });
    choose('evil.zip');
    await submit(dialog);
    uploads[0].events.error(
      new HttpErrorResponse({
        status: 400,
        statusText: 'Bad Request',
        error: 'Archive entry "../x" escapes the folder.',
      }),
    );
    await dialog.getContentText(); // renders
    expect(document.querySelector('[data-testid=import-error]')?.textContent).toContain(
      'Could not import: Archive entry "../x" escapes the folder.',
    );
    await submit(dialog);
    expect(uploads).toHaveLength(2);
  });

  it('cancel aborts the upload and closes without a result', async () => {
    const dialog = await open({ feed: 'installers', folder: '', canOverwrite: false });
    choose('big.zip');
    await submit(dialog);
    expect(uploads[0].unsubscribed).toBe(false);
    await (await dialog.getHarness(MatButtonHarness.with({ text: 'Cancel' }))).click();
    expect(uploads[0].unsubscribed).toBe(true);
    expect(closed).toBeUndefined();
  });
});
