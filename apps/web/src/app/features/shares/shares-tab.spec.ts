import type { HarnessLoader } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Component, signal } from '@angular/core';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatDialog } from '@angular/material/dialog';
import { MatDialogHarness } from '@angular/material/dialog/testing';
import { MatSnackBarHarness } from '@angular/material/snack-bar/testing';
import { provideRouter } from '@angular/router';
import type { CurrentPrincipal, Share } from '@stockroom/contracts';
import { AuthStore } from '../../core/auth/auth-store';
import { noMaterialAnimations } from '../../testing/material';
import { SharesTab } from './shares-tab';

@Component({
  imports: [SharesTab],
  template: `<app-shares-tab feed="builds" [canManage]="canManage()" />`,
})
class Host {
  readonly canManage = signal(false);
}

const JANE: CurrentPrincipal = {
  authenticated: true,
  userName: 'jane',
  displayName: 'Jane',
  credential: 'session',
  privileges: [],
};

function share(id: number, overrides: Partial<Share> = {}): Share {
  return {
    id,
    feed: 'builds',
    path: 'docs/a.txt',
    kind: 'file',
    createdBy: 'Jane',
    createdAt: '2030-01-01T10:00:00Z',
    expiresAt: '2030-01-08T10:00:00Z',
    maxDownloads: null,
    downloads: 0,
    hasPassword: false,
    endedAt: null,
    state: 'active',
    ...overrides,
  };
}

const SHARES: Share[] = [
  share(1, { maxDownloads: 5, downloads: 2, hasPassword: true }),
  share(2, { path: 'releases', kind: 'folder', createdBy: 'bob' }),
  share(3, { state: 'revoked', endedAt: '2030-01-02T00:00:00Z' }),
];

describe('SharesTab', () => {
  let backend: HttpTestingController;
  let fixture: ComponentFixture<Host>;
  let root: HarnessLoader;

  beforeEach(async () => {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([]), noMaterialAnimations],
    });
    backend = TestBed.inject(HttpTestingController);
    const known = TestBed.inject(AuthStore).refresh();
    backend.expectOne('/api/security/me').flush(JANE);
    await known;
  });
  afterEach(() => {
    backend.verify();
    TestBed.inject(MatDialog).closeAll();
  });

  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve));
    TestBed.tick();
    await fixture.whenStable();
  }

  async function open(options: { canManage?: boolean; shares?: Share[] } = {}): Promise<void> {
    fixture = TestBed.createComponent(Host);
    fixture.componentInstance.canManage.set(options.canManage ?? false);
    await settle();
    backend.expectOne('/api/shares?feed=builds').flush(options.shares ?? SHARES);
    await settle();
    root = TestbedHarnessEnvironment.documentRootLoader(fixture);
  }

  const rows = () => Array.from(document.querySelectorAll<HTMLElement>('[data-testid=share-row]'));
  const row = (id: number) => document.querySelector<HTMLElement>(`[data-testid=share-row][data-id="${id}"]`);
  const cells = (id: number) =>
    Array.from(row(id)?.querySelectorAll('td') ?? []).map((td) => td.textContent?.replace(/\s+/g, ' ').trim());
  const revokeButtons = () => rows().filter((r) => r.querySelector('[data-testid=share-revoke]'));

  it('lists the links with path, creator, dates, downloads of the limit, password and state', async () => {
    await open();
    expect(rows().map((r) => r.dataset['id'])).toEqual(['1', '2', '3']);
    const first = cells(1);
    expect(first[0]).toBe('/docs/a.txt');
    expect(first[1]).toBe('Jane');
    expect(first[2]).toMatch(/2030/);
    expect(first[3]).toMatch(/2030/);
    expect(first[4]).toBe('2 / 5');
    expect(first[5]).toBe('Yes');
    expect(first[6]).toBe('Active');
    expect(cells(2)[0]).toBe('/releases (folder)');
    expect(cells(2)[4]).toBe('0 / ∞');
    expect(cells(2)[5]).toBe('No');
    expect(cells(3)[6]).toMatch(/^Revoked .*2030/);
    expect(row(1)?.querySelector('a')?.getAttribute('href')).toBe('/feeds/builds/files/docs/a.txt');
    expect(row(2)?.querySelector('a')?.getAttribute('href')).toBe('/feeds/builds/browse/releases');
  });

  it("offers Revoke on a creator's own active links; a manager on every active link", async () => {
    await open();
    expect(revokeButtons().map((r) => r.dataset['id'])).toEqual(['1']);
    fixture.componentInstance.canManage.set(true);
    await settle();
    expect(revokeButtons().map((r) => r.dataset['id'])).toEqual(['1', '2']);
  });

  it('revokes after a confirmation with DELETE, then shows the list again', async () => {
    await open({ canManage: true });
    row(2)?.querySelector<HTMLButtonElement>('[data-testid=share-revoke]')?.click();
    const confirm = await root.getHarness(MatDialogHarness);
    expect(await confirm.getTitleText()).toBe('Revoke this share link?');
    expect(await confirm.getContentText()).toContain('builds/releases');
    await (await confirm.getHarness(MatButtonHarness.with({ text: 'Revoke' }))).click();
    await settle();
    const req = backend.expectOne('/api/shares/2');
    expect(req.request.method).toBe('DELETE');
    req.flush(null, { status: 204, statusText: 'No Content' });
    await settle();
    backend
      .expectOne('/api/shares?feed=builds')
      .flush([
        SHARES[0],
        share(2, { path: 'releases', kind: 'folder', createdBy: 'bob', state: 'revoked' }),
        SHARES[2],
      ]);
    await settle();
    expect(row(2)?.dataset['state']).toBe('revoked');
    expect(row(2)?.querySelector('[data-testid=share-revoke]')).toBeNull();
    expect(await (await root.getHarness(MatSnackBarHarness)).getMessage()).toBe('Revoked the link to /releases.');
  });

  it('revokes nothing when the confirmation is cancelled', async () => {
    await open();
    row(1)?.querySelector<HTMLButtonElement>('[data-testid=share-revoke]')?.click();
    const confirm = await root.getHarness(MatDialogHarness);
    await (await confirm.getHarness(MatButtonHarness.with({ text: 'Cancel' }))).click();
    await settle();
    backend.expectNone('/api/shares/1');
  });

  it("says why a revoke failed, in the server's words", async () => {
    await open();
    row(1)?.querySelector<HTMLButtonElement>('[data-testid=share-revoke]')?.click();
    await (
      await (await root.getHarness(MatDialogHarness)).getHarness(MatButtonHarness.with({ text: 'Revoke' }))
    ).click();
    await settle();
    backend
      .expectOne('/api/shares/1')
      .flush(
        { code: 'Forbidden', message: 'Only its creator or a manager may revoke it.' },
        { status: 403, statusText: 'Forbidden' },
      );
    await settle();
    expect(await (await root.getHarness(MatSnackBarHarness)).getMessage()).toBe(
      'Could not revoke the link to /docs/a.txt: Only its creator or a manager may revoke it.',
    );
    expect(row(1)?.querySelector('[data-testid=share-revoke]')).not.toBeNull();
  });

  it("shows the server's reason when the list cannot be loaded, and retries", async () => {
    fixture = TestBed.createComponent(Host);
    await settle();
    backend
      .expectOne('/api/shares?feed=builds')
      .flush(
        { code: 'Forbidden', message: 'You may not see the share links of builds.' },
        { status: 403, statusText: 'Forbidden' },
      );
    await settle();
    const page = fixture.nativeElement as HTMLElement;
    expect(page.textContent).toContain('Could not load the share links.');
    expect(page.textContent).toContain('You may not see the share links of builds.');
    root = TestbedHarnessEnvironment.documentRootLoader(fixture);
    await (await root.getHarness(MatButtonHarness.with({ text: /Try again|Retry/ }))).click();
    await settle();
    backend.expectOne('/api/shares?feed=builds').flush([]);
    await settle();
    expect(page.querySelector('[data-testid=shares-empty]')).not.toBeNull();
  });
});
