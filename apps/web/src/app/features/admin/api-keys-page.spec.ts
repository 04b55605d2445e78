import { Clipboard } from '@angular/cdk/clipboard';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatDialog } from '@angular/material/dialog';
import { MatDialogHarness } from '@angular/material/dialog/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { MatRadioButtonHarness } from '@angular/material/radio/testing';
import { MatSelectHarness } from '@angular/material/select/testing';
import type { ApiKeyInfo, CurrentPrincipal } from '@stockroom/contracts';
import { AuthStore } from '../../core/auth/auth-store';
import { noMaterialAnimations } from '../../testing/material';
import { ADMIN } from '../../testing/principals';
import { ApiKeysPage } from './api-keys-page';

const SECRET = 'k3y-Secret-0123456789abcdefghijklmnopqrstuv';

const EXISTING: ApiKeyInfo = {
  id: 3,
  type: 'Feed',
  displayName: 'Nightly upload',
  description: '',
  feed: 'installers',
  packagePermissions: ['view', 'add'],
  createdAt: '2026-01-02T03:04:05.000Z',
  createdBy: 'Admin',
  lastUsedAt: '2026-02-01T00:00:00.000Z',
};

const ALICE: CurrentPrincipal = {
  authenticated: true,
  userName: 'alice',
  displayName: 'Alice',
  credential: 'session',
  privileges: [],
};

describe('ApiKeysPage', () => {
  let backend: HttpTestingController;
  let copy: jest.Mock;

  async function open(principal: CurrentPrincipal) {
    const auth = TestBed.inject(AuthStore);
    const refreshed = auth.refresh();
    backend.expectOne('/api/security/me').flush(principal);
    await refreshed;
    const fixture = TestBed.createComponent(ApiKeysPage);
    fixture.detectChanges();
    backend.expectOne('/api/security/api-keys').flush([EXISTING]);
    await fixture.whenStable();
    return {
      fixture,
      loader: TestbedHarnessEnvironment.loader(fixture),
      root: TestbedHarnessEnvironment.documentRootLoader(fixture),
    };
  }

  beforeEach(() => {
    copy = jest.fn(() => true);
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        noMaterialAnimations,
        { provide: Clipboard, useValue: { copy } },
      ],
    });
    backend = TestBed.inject(HttpTestingController);
  });

  afterEach(() => {
    backend.verify();
    TestBed.inject(MatDialog).closeAll();
  });

  it('lists keys with type, scope, creator and last use', async () => {
    const { fixture } = await open(ADMIN);
    const rows = fixture.nativeElement.querySelectorAll('[data-testid=api-key-row]');
    expect(rows).toHaveLength(1);
    const text = rows[0].textContent;
    expect(text).toContain('Nightly upload');
    expect(text).toContain('Directory');
    expect(text).toContain('installers: view and download, upload');
    expect(text).toContain('by Admin');
    expect(text).not.toContain('Never used');
  });

  it('creates a key, shows its secret once with a working Copy button, and never keeps it in the list', async () => {
    const { fixture, loader, root } = await open(ADMIN);
    await (await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid=create-api-key]' }))).click();
    backend.expectOne('/api/management/feeds/list').flush([{ name: 'installers', privileges: [] }]);
    backend.expectOne('/api/security/users').flush([{ userName: 'Admin' }, { userName: 'alice' }]);
    await fixture.whenStable();

    const dialog = await root.getHarness(MatDialogHarness);
    expect(await dialog.getTitleText()).toBe('New API key');
    await (await dialog.getHarness(MatInputHarness.with({ placeholder: '' }))).setValue('CI job');
    const user = await dialog.getHarness(MatSelectHarness);
    await user.open();
    await user.clickOptions({ text: 'alice' });
    await (await dialog.getHarness(MatButtonHarness.with({ text: 'Create key' }))).click();

    const post = backend.expectOne({ method: 'POST', url: '/api/security/api-keys' });
    expect(post.request.body).toEqual({ type: 'Personal', displayName: 'CI job', user: 'alice' });
    post.flush({
      id: 9,
      type: 'Personal',
      displayName: 'CI job',
      user: 'alice',
      createdAt: '2026-03-01T00:00:00.000Z',
      createdBy: 'Admin',
      key: SECRET,
    } satisfies ApiKeyInfo);
    await fixture.whenStable();

    const secretDialog = await root.getHarness(MatDialogHarness.with({ selector: '[role=alertdialog]' }));
    expect(await secretDialog.getTitleText()).toBe('API key created');
    expect(await secretDialog.getText()).toContain('will not be shown again');
    const secret = await secretDialog.getHarness(MatInputHarness.with({ selector: '[data-testid=api-key-secret]' }));
    expect(await secret.getValue()).toBe(SECRET);
    expect(await secret.isReadonly()).toBe(true);

    await (await secretDialog.getHarness(MatButtonHarness.with({ selector: '[data-testid=copy-api-key]' }))).click();
    expect(copy).toHaveBeenCalledWith(SECRET);
    expect(await secretDialog.getText()).toContain('Copied.');

    // The list shows the new key, without its secret.
    const rows: HTMLElement[] = Array.from(fixture.nativeElement.querySelectorAll('[data-testid=api-key-row]'));
    expect(rows.map((r) => r.getAttribute('data-name'))).toEqual(['CI job', 'Nightly upload']);
    expect(fixture.nativeElement.textContent).not.toContain(SECRET);
    expect(fixture.nativeElement.textContent).toContain('Acts as alice');

    await (await secretDialog.getHarness(MatButtonHarness.with({ text: 'Done' }))).click();
    await fixture.whenStable();
    expect(await root.getAllHarnesses(MatDialogHarness)).toHaveLength(0);
    expect(document.body.textContent).not.toContain(SECRET);
  });

  it('says so when copying fails, so the key can be copied by hand', async () => {
    copy.mockReturnValue(false);
    const { fixture, loader, root } = await open(ADMIN);
    await (await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid=create-api-key]' }))).click();
    backend.expectOne('/api/management/feeds/list').flush([]);
    backend.expectOne('/api/security/users').flush([{ userName: 'Admin' }]);
    await fixture.whenStable();
    const dialog = await root.getHarness(MatDialogHarness);
    await (await dialog.getHarness(MatButtonHarness.with({ text: 'Create key' }))).click();
    backend
      .expectOne({ method: 'POST', url: '/api/security/api-keys' })
      .flush({ id: 10, type: 'Personal', user: 'Admin', key: SECRET } satisfies ApiKeyInfo);
    await fixture.whenStable();
    const secretDialog = await root.getHarness(MatDialogHarness.with({ selector: '[role=alertdialog]' }));
    await (await secretDialog.getHarness(MatButtonHarness.with({ selector: '[data-testid=copy-api-key]' }))).click();
    expect(await secretDialog.getText()).toContain('Could not copy');
    expect(await secretDialog.getHarness(MatButtonHarness.with({ text: 'Close without copying' }))).toBeTruthy();
  });

  it("shows the server's message when creating fails and keeps the dialog open", async () => {
    const { fixture, loader, root } = await open(ADMIN);
    await (await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid=create-api-key]' }))).click();
    backend.expectOne('/api/management/feeds/list').flush([{ name: 'installers' }]);
    backend.expectOne('/api/security/users').flush([{ userName: 'Admin' }]);
    await fixture.whenStable();
    const dialog = await root.getHarness(MatDialogHarness);
    await (await dialog.getHarness(MatRadioButtonHarness.with({ label: 'Directory' }))).check();
    const feed = await dialog.getHarness(MatSelectHarness);
    await feed.open();
    await feed.clickOptions({ text: 'installers' });
    await (await dialog.getHarness(MatButtonHarness.with({ text: 'Create key' }))).click();
    const post = backend.expectOne({ method: 'POST', url: '/api/security/api-keys' });
    expect(post.request.body).toEqual({ type: 'Feed', feed: 'installers', packagePermissions: ['view'] });
    post.flush(
      { code: 'forbidden', message: 'You may not manage "installers".' },
      { status: 403, statusText: 'Forbidden' },
    );
    await fixture.whenStable();
    expect(await dialog.getText()).toContain('You may not manage "installers".');
    expect(await root.getAllHarnesses(MatDialogHarness.with({ selector: '[role=alertdialog]' }))).toHaveLength(0);
  });

  it('offers a user without Administer personal keys for themselves and feed keys where they manage', async () => {
    const { fixture, loader, root } = await open(ALICE);
    await (await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid=create-api-key]' }))).click();
    backend.expectNone('/api/security/users');
    backend.expectOne('/api/management/feeds/list').flush([
      { name: 'docs', privileges: ['Feeds_ViewFeed'] },
      { name: 'tools', privileges: ['Feeds_ViewFeed', 'Admin_ManageFeed'] },
    ]);
    await fixture.whenStable();
    const dialog = await root.getHarness(MatDialogHarness);
    const types = await dialog.getAllHarnesses(MatRadioButtonHarness);
    expect(await Promise.all(types.map((t) => t.getLabelText()))).toEqual(['Personal', 'Directory']);
    expect(await dialog.getText()).toContain('The key acts as you (alice).');
    await (await dialog.getHarness(MatRadioButtonHarness.with({ label: 'Directory' }))).check();
    const feed = await dialog.getHarness(MatSelectHarness);
    await feed.open();
    const options = await feed.getOptions();
    expect(await Promise.all(options.map((o) => o.getText()))).toEqual(['tools']);
  });
});
