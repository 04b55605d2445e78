import { Clipboard } from '@angular/cdk/clipboard';
import type { HarnessLoader } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Component, inject } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatDialog } from '@angular/material/dialog';
import { MatDialogHarness } from '@angular/material/dialog/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { MatSelectHarness } from '@angular/material/select/testing';
import { provideRouter } from '@angular/router';
import type { CreatedShare } from '@stockroom/contracts';
import { noMaterialAnimations } from '../../testing/material';
import { maxDownloadsProblem, ShareDialog, type ShareDialogData } from './share-dialog';

@Component({ template: '' })
class Host {
  readonly dialog = inject(MatDialog);
}

const CREATED: CreatedShare = { id: 7, url: 'http://localhost/s/Zm9vYmFy', expiresAt: '2030-01-08T00:00:00Z' };

describe('ShareDialog', () => {
  let backend: HttpTestingController;
  let root: HarnessLoader;
  let copied: string[];

  beforeEach(() => {
    copied = [];
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideRouter([]),
        noMaterialAnimations,
        { provide: Clipboard, useValue: { copy: (text: string) => copied.push(text) > 0 } },
      ],
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

  async function open(data: ShareDialogData): Promise<MatDialogHarness> {
    const fixture = TestBed.createComponent(Host);
    fixture.componentInstance.dialog.open(ShareDialog, { data });
    root = TestbedHarnessEnvironment.documentRootLoader(fixture);
    return root.getHarness(MatDialogHarness);
  }

  const button = (dialog: MatDialogHarness, id: string) =>
    dialog.getHarness(MatButtonHarness.with({ selector: `[data-testid=${id}]` }));
  const input = (dialog: MatDialogHarness, id: string) =>
    dialog.getHarness(MatInputHarness.with({ selector: `[data-testid=${id}]` }));
  const text = (id: string) => document.querySelector(`[data-testid=${id}]`)?.textContent?.replace(/\s+/g, ' ').trim();

  it('creates a link that expires in 7 days by default and shows its URL, expiry and Copy', async () => {
    const dialog = await open({ feed: 'builds', path: 'docs/a.txt', kind: 'file' });
    expect(await dialog.getTitleText()).toBe('Share “a.txt”');
    expect(await (await dialog.getHarness(MatSelectHarness)).getValueText()).toBe('In 7 days');
    await (await button(dialog, 'share-create')).click();
    const req = backend.expectOne('/api/shares');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({ feed: 'builds', path: 'docs/a.txt', expiresInMinutes: 7 * 24 * 60 });
    req.flush(CREATED, { status: 201, statusText: 'Created' });
    await settle();
    expect(await (await input(dialog, 'share-url')).getValue()).toBe(CREATED.url);
    expect(text('share-expires')).toMatch(/^Expires .*2030/);
    expect(text('share-expires')).not.toContain('password');
    expect(document.querySelector('[data-testid=share-list-link]')?.getAttribute('href')).toBe(
      '/feeds/builds/manage/shares',
    );
    await (await button(dialog, 'share-copy')).click();
    expect(copied).toEqual([CREATED.url]);
  });

  it('sends a preset, a download limit and a password, and repeats the limit with the link', async () => {
    const dialog = await open({ feed: 'builds', path: 'releases', kind: 'folder' });
    expect(await dialog.getTitleText()).toBe('Share the folder “releases”');
    const expiry = await dialog.getHarness(MatSelectHarness);
    await expiry.open();
    const options = await expiry.getOptions();
    expect(await Promise.all(options.map((o) => o.getText()))).toEqual([
      'In 1 hour',
      'In 1 day',
      'In 7 days',
      'In 30 days',
      'On a date…',
    ]);
    await expiry.clickOptions({ text: 'In 1 hour' });
    await (await input(dialog, 'share-max-downloads')).setValue('3');
    await (await input(dialog, 'share-password')).setValue('s3cret');
    await (await button(dialog, 'share-create')).click();
    const req = backend.expectOne('/api/shares');
    expect(req.request.body).toEqual({
      feed: 'builds',
      path: 'releases',
      expiresInMinutes: 60,
      maxDownloads: 3,
      password: 's3cret',
    });
    req.flush(CREATED, { status: 201, statusText: 'Created' });
    await settle();
    expect(text('share-expires')).toContain('At most 3 downloads.');
    expect(text('share-expires')).toContain('Asks for the password.');
  });

  it('sends a chosen date as expiresAt, refusing one in the past first', async () => {
    const dialog = await open({ feed: 'builds', path: '', kind: 'folder' });
    expect(await dialog.getTitleText()).toBe('Share the directory “builds”');
    await (await dialog.getHarness(MatSelectHarness)).clickOptions({ text: 'On a date…' });
    const date = await input(dialog, 'share-date');
    await date.setValue('2001-02-03T04:05');
    expect(text('share-date-problem')).toBe('Choose a time in the future.');
    expect(await (await button(dialog, 'share-create')).isDisabled()).toBe(true);
    await date.setValue('2099-02-03T04:05');
    expect(text('share-date-problem')).toBeUndefined();
    await (await button(dialog, 'share-create')).click();
    const req = backend.expectOne('/api/shares');
    expect(req.request.body).toEqual({
      feed: 'builds',
      path: '',
      expiresAt: new Date('2099-02-03T04:05').toISOString(),
    });
    req.flush(CREATED, { status: 201, statusText: 'Created' });
    await settle();
  });

  it('refuses a download limit that is not a whole number of at least 1', async () => {
    const dialog = await open({ feed: 'builds', path: 'a.txt', kind: 'file' });
    const max = await input(dialog, 'share-max-downloads');
    await max.setValue('0');
    expect(text('share-max-downloads-problem')).toContain('at least 1');
    expect(await (await button(dialog, 'share-create')).isDisabled()).toBe(true);
    await max.setValue('');
    expect(await (await button(dialog, 'share-create')).isDisabled()).toBe(false);
  });

  it("shows the server's refusal in the dialog and lets the user try again", async () => {
    const dialog = await open({ feed: 'builds', path: 'a.txt', kind: 'file' });
    await (await button(dialog, 'share-create')).click();
    backend
      .expectOne('/api/shares')
      .flush(
        { code: 'Forbidden', message: 'You may not share files in builds (Feeds_ShareAsset).' },
        { status: 403, statusText: 'Forbidden' },
      );
    await settle();
    expect(text('share-error')).toBe(
      'Could not create the link: You may not share files in builds (Feeds_ShareAsset).',
    );
    expect(document.querySelector('[data-testid=share-url]')).toBeNull();
    await (await button(dialog, 'share-create')).click();
    backend.expectOne('/api/shares').flush(CREATED, { status: 201, statusText: 'Created' });
    await settle();
    expect(await (await input(dialog, 'share-url')).getValue()).toBe(CREATED.url);
  });
});

describe('maxDownloadsProblem', () => {
  it('accepts nothing (no limit) or a whole number from 1', () => {
    expect(maxDownloadsProblem('')).toBeUndefined();
    expect(maxDownloadsProblem(' 12 ')).toBeUndefined();
    for (const bad of ['0', '-1', '1.5', 'abc', '1e3', '99999999999999999999']) {
      expect(maxDownloadsProblem(bad)).toBeDefined();
    }
  });
});
