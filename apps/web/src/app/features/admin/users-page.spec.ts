import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import type { ComponentFixture } from '@angular/core/testing';
import { TestBed } from '@angular/core/testing';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatDialog } from '@angular/material/dialog';
import { MatDialogHarness } from '@angular/material/dialog/testing';
import { MatFormFieldHarness } from '@angular/material/form-field/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { MatSelectHarness } from '@angular/material/select/testing';
import type { User } from '@stockroom/contracts';
import { provideRouter } from '@angular/router';
import { noMaterialAnimations } from '../../testing/material';
import { UsersPage } from './users-page';

const ADMIN_USER: User = {
  userName: 'Admin',
  displayName: 'Administrator',
  email: '',
  enabled: true,
  groups: ['ops'],
  createdAt: '2026-01-01T00:00:00.000Z',
};

/** Signed in through LDAP: in the directory group "developers" and the built-in group "ops". */
const LDAP_USER: User = {
  userName: 'ann.lee',
  displayName: 'Ann Lee',
  email: 'ann@example.com',
  enabled: true,
  groups: ['developers', 'ops'],
  createdAt: '2026-02-01T00:00:00.000Z',
  source: 'ldap',
  lastSignInAt: '2026-03-04T05:06:07.000Z',
};

describe('UsersPage', () => {
  let backend: HttpTestingController;
  let fixture: ComponentFixture<UsersPage>;
  let dialog: MatDialogHarness;

  beforeEach(async () => {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([]), noMaterialAnimations],
    });
    backend = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(UsersPage);
    fixture.detectChanges();
    backend.expectOne('/api/security/users').flush([ADMIN_USER, LDAP_USER]);
    backend.expectOne('/api/security/groups').flush([
      { name: 'developers', description: '', members: ['ann.lee'], source: 'ldap' },
      { name: 'ops', description: '', members: ['Admin', 'ann.lee'], source: 'builtin' },
    ]);
    await fixture.whenStable();
  });

  afterEach(() => {
    backend.verify();
    TestBed.inject(MatDialog).closeAll();
  });

  async function openCreate(): Promise<void> {
    const loader = TestbedHarnessEnvironment.loader(fixture);
    await (await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid=create-user]' }))).click();
    dialog = await TestbedHarnessEnvironment.documentRootLoader(fixture).getHarness(MatDialogHarness);
  }

  async function field(label: string): Promise<MatFormFieldHarness> {
    return dialog.getHarness(MatFormFieldHarness.with({ floatingLabelText: new RegExp(`^${label}`) }));
  }

  async function type(label: string, value: string): Promise<void> {
    const input = (await (await field(label)).getControl(MatInputHarness)) as MatInputHarness;
    await input.setValue(value);
  }

  async function errors(label: string): Promise<string[]> {
    return (await field(label)).getTextErrors();
  }

  it('lists users with their groups and status', () => {
    const row = fixture.nativeElement.querySelector('[data-testid=user-row][data-name=Admin]') as HTMLElement;
    expect(row.textContent).toContain('Administrator');
    expect(row.textContent).toContain('ops');
    expect(row.textContent).toContain('Enabled');
  });

  it('checks the user name with the server’s rules as it is typed', async () => {
    await openCreate();
    await type('User name', 'api');
    expect((await errors('User name'))[0]).toContain('"api" is reserved');
    await type('User name', 'a:b');
    expect((await errors('User name'))[0]).toContain('control characters and ":" are not allowed');
    await type('User name', ' padded');
    expect((await errors('User name'))[0]).toContain('no leading or trailing spaces');
    await type('User name', 'x'.repeat(101));
    expect((await errors('User name'))[0]).toContain('use 1-100 characters');
    await type('User name', 'erin');
    expect(await errors('User name')).toEqual([]);
  });

  it('checks the password length as it is typed', async () => {
    await openCreate();
    await type('Password', 'short');
    expect(await errors('Password')).toEqual(['Use at least 8 characters (5 so far).']);
    await type('Password', 'x'.repeat(1025));
    expect(await errors('Password')).toEqual(['Use at most 1024 characters.']);
    await type('Password', 'long-enough');
    expect(await errors('Password')).toEqual([]);
  });

  it('does not call the server while the form is invalid', async () => {
    await openCreate();
    await (await dialog.getHarness(MatButtonHarness.with({ text: 'Create user' }))).click();
    backend.expectNone({ method: 'POST', url: '/api/security/users' });
    expect(await errors('User name')).toEqual(['Enter a user name.']);
    expect(await errors('Password')).toEqual(['Enter a password.']);
  });

  it('creates the user and adds the row', async () => {
    await openCreate();
    await type('User name', 'erin');
    await type('Display name', 'Erin E.');
    await type('Email', 'erin@example.com');
    await type('Password', 'erin-Passw0rd');
    const groups = await dialog.getHarness(MatSelectHarness);
    await groups.open();
    await groups.clickOptions({ text: 'ops' });
    await (await dialog.getHarness(MatButtonHarness.with({ text: 'Create user' }))).click();

    const post = backend.expectOne({ method: 'POST', url: '/api/security/users' });
    expect(post.request.body).toEqual({
      userName: 'erin',
      password: 'erin-Passw0rd',
      displayName: 'Erin E.',
      email: 'erin@example.com',
      enabled: true,
      groups: ['ops'],
    });
    post.flush(
      { ...ADMIN_USER, userName: 'erin', displayName: 'Erin E.', groups: ['ops'] },
      { status: 201, statusText: 'Created' },
    );
    await new Promise((resolve) => setTimeout(resolve));
    await fixture.whenStable();
    expect(fixture.nativeElement.querySelector('[data-testid=user-row][data-name=erin]')).not.toBeNull();
    expect(await TestbedHarnessEnvironment.documentRootLoader(fixture).getAllHarnesses(MatDialogHarness)).toEqual([]);
  });

  it("shows the server's message when it refuses, and keeps what was typed", async () => {
    await openCreate();
    await type('User name', 'Admin2');
    await type('Password', 'erin-Passw0rd');
    await (await dialog.getHarness(MatButtonHarness.with({ text: 'Create user' }))).click();
    backend
      .expectOne({ method: 'POST', url: '/api/security/users' })
      .flush(
        { code: 'already_exists', message: 'A user named "Admin2" already exists.' },
        { status: 409, statusText: 'Conflict' },
      );
    await fixture.whenStable();
    expect(await dialog.getText()).toContain('A user named "Admin2" already exists.');
    const input = (await (await field('User name')).getControl(MatInputHarness)) as MatInputHarness;
    expect(await input.getValue()).toBe('Admin2');
  });

  function row(name: string): HTMLElement {
    return fixture.nativeElement.querySelector(`[data-testid=user-row][data-name="${name}"]`) as HTMLElement;
  }

  function cells(name: string): Record<string, string> {
    const headers = Array.from(fixture.nativeElement.querySelectorAll('th') as NodeListOf<HTMLElement>).map(
      (th) => th.textContent?.trim() ?? '',
    );
    const values = Array.from(row(name).querySelectorAll('td')).map((td) => td.textContent?.trim() ?? '');
    return Object.fromEntries(headers.map((h, i) => [h, values[i]]));
  }

  it('shows where each user comes from, and when a directory user last signed in', () => {
    expect(cells('Admin')).toMatchObject({ Source: 'Built-in', 'Last sign-in': '—' });
    const ann = cells('ann.lee');
    expect(ann['Source']).toBe('LDAP');
    expect(ann['Last sign-in']).toContain('2026');
    expect(ann['Groups']).toContain('developers');
    expect(ann['Groups']).toContain('ops');
    expect(row('ann.lee').querySelector('.tag.external')?.textContent).toBe('developers');
  });

  it('says "Never" for a directory user who has not signed in', async () => {
    fixture.componentRef.destroy();
    fixture = TestBed.createComponent(UsersPage);
    fixture.detectChanges();
    backend.expectOne('/api/security/users').flush([{ ...LDAP_USER, source: 'oidc', lastSignInAt: null }]);
    backend.expectOne('/api/security/groups').flush([]);
    await fixture.whenStable();
    expect(cells('ann.lee')).toMatchObject({ Source: 'OIDC', 'Last sign-in': 'Never' });
  });

  it('edits a directory user without a password, keeping their directory groups', async () => {
    const loader = TestbedHarnessEnvironment.loader(fixture);
    await (await loader.getHarness(MatButtonHarness.with({ selector: '[aria-label="Edit ann.lee"]' }))).click();
    dialog = await TestbedHarnessEnvironment.documentRootLoader(fixture).getHarness(MatDialogHarness);
    const text = await dialog.getText();
    expect(text).toContain('Signs in through LDAP');
    expect(text).not.toContain('New password');
    expect(await (await field('Display name')).isDisabled()).toBe(true);
    expect(await (await field('Email')).isDisabled()).toBe(true);
    const groups = await dialog.getHarness(MatSelectHarness);
    expect(await groups.getValueText()).toBe('ops');
    await groups.open();
    // Only built-in groups can be chosen.
    expect(await Promise.all((await groups.getOptions()).map((o) => o.getText()))).toEqual(['ops']);
    await groups.clickOptions({ text: 'ops' });
    expect(text).toContain('From LDAP (read-only)');

    await (await dialog.getHarness(MatButtonHarness.with({ text: 'Save' }))).click();
    const patch = backend.expectOne({ method: 'PATCH', url: '/api/security/users/ann.lee' });
    expect(patch.request.body).toEqual({ groups: ['developers'], enabled: true });
    patch.flush({ ...LDAP_USER, groups: ['developers'] });
    await new Promise((resolve) => setTimeout(resolve));
    await fixture.whenStable();
    expect(cells('ann.lee')['Groups']).not.toContain('ops');
  });

  it('offers a password to built-in users', async () => {
    const loader = TestbedHarnessEnvironment.loader(fixture);
    await (await loader.getHarness(MatButtonHarness.with({ selector: '[aria-label="Edit Admin"]' }))).click();
    dialog = await TestbedHarnessEnvironment.documentRootLoader(fixture).getHarness(MatDialogHarness);
    expect(await dialog.getText()).toContain('New password');
    expect(await (await field('Display name')).isDisabled()).toBe(false);
  });
});
