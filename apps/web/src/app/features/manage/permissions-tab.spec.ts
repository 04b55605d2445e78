import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ApplicationRef, Component, signal } from '@angular/core';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import type { HarnessLoader } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatCheckboxHarness } from '@angular/material/checkbox/testing';
import { MatDialog } from '@angular/material/dialog';
import { MatDialogHarness } from '@angular/material/dialog/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { MatSelectHarness } from '@angular/material/select/testing';
import { MatTableHarness } from '@angular/material/table/testing';
import { BUILT_IN_ROLES, type PrivilegeRule, type Role } from '@stockroom/contracts';
import { noMaterialAnimations } from '../../testing/material';
import { PermissionsTab } from './permissions-tab';

const ROLES: Role[] = Object.entries(BUILT_IN_ROLES).map(([name, privileges]) => ({
  name,
  description: '',
  privileges: [...privileges],
  builtIn: true,
}));

const RULES: PrivilegeRule[] = [
  { id: 3, principalType: 'user', principalName: 'dora', role: 'Publish', feed: 'installers', deny: false },
  {
    id: 5,
    principalType: 'pseudo',
    principalName: 'Anonymous',
    role: 'View & Download',
    feed: 'installers',
    deny: true,
  },
];

@Component({
  imports: [PermissionsTab],
  template: `<app-permissions-tab [feed]="feed()" [canChange]="canChange()" />`,
})
class Host {
  readonly feed = signal('installers');
  readonly canChange = signal(true);
}

describe('PermissionsTab', () => {
  let backend: HttpTestingController;
  let fixture: ComponentFixture<Host>;
  let loader: HarnessLoader;
  let root: HarnessLoader;
  let element: HTMLElement;

  async function open(rules: PrivilegeRule[] = RULES, canChange = true): Promise<void> {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), noMaterialAnimations],
    });
    backend = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(Host);
    fixture.componentInstance.canChange.set(canChange);
    element = fixture.nativeElement as HTMLElement;
    await settle();
    backend
      .expectOne(
        (r) => r.method === 'GET' && r.url === '/api/security/privileges' && r.params.get('feed') === 'installers',
      )
      .flush(rules);
    backend.expectOne('/api/security/roles').flush(ROLES);
    await settle();
    loader = TestbedHarnessEnvironment.loader(fixture);
    root = TestbedHarnessEnvironment.documentRootLoader(fixture);
  }

  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve));
    TestBed.tick();
    await TestBed.inject(ApplicationRef).whenStable();
  }

  async function select(label: string, option: string): Promise<void> {
    const harness = await loader.getHarness(MatSelectHarness.with({ selector: `[formControlName=${label}]` }));
    await harness.open();
    await harness.clickOptions({ text: option });
  }

  async function submit(): Promise<void> {
    await (await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid=add-rule-submit]' }))).click();
  }

  function rowTexts(): string[] {
    return Array.from(element.querySelectorAll('[data-testid=rule-row]')).map((r) =>
      Array.from(r.querySelectorAll('td'))
        .map((td) => (td.textContent ?? '').trim())
        .join(' | '),
    );
  }

  function snackText(): string {
    return document.querySelector('mat-snack-bar-container')?.textContent ?? '';
  }

  afterEach(() => {
    backend.verify();
    TestBed.inject(MatDialog).closeAll();
    fixture?.destroy();
  });

  it("lists this directory's rules with who, which role and grant or deny", async () => {
    await open();
    const table = await loader.getHarness(MatTableHarness);
    const cells = await table.getCellTextByColumnName();
    expect(cells['principal'].text).toEqual(['dora', 'Anonymous']);
    expect(cells['type'].text).toEqual(['User', 'Built-in group']);
    expect(cells['role'].text).toEqual(['Publish', 'View & Download']);
    expect(cells['effect'].text).toEqual(['Grant', 'Deny']);
    expect(element.querySelectorAll('[data-testid=remove-rule]')).toHaveLength(2);
  });

  it('says when there are no rules of its own', async () => {
    await open([]);
    expect(element.textContent).toContain('No rules for this directory: only the global rules apply.');
    expect(element.querySelector('[data-testid=rule-row]')).toBeNull();
  });

  it('adds a rule for this directory, and lists it', async () => {
    await open([]);
    // Nothing is sent without a name and a role.
    await submit();
    backend.expectNone((r) => r.method === 'POST');
    expect(element.textContent).toContain('Enter a name.');
    expect(element.textContent).toContain('Choose a role.');

    await select('principalType', 'Group');
    await (
      await loader.getHarness(MatInputHarness.with({ selector: '[formControlName=principalName]' }))
    ).setValue(' builders ');
    await select('role', 'Publish');
    await (await loader.getHarness(MatCheckboxHarness.with({ label: /Deny/ }))).check();
    await submit();
    const req = backend.expectOne((r) => r.method === 'POST' && r.url === '/api/security/privileges');
    expect(req.request.body).toEqual({
      principalType: 'group',
      principalName: 'builders',
      role: 'Publish',
      deny: true,
      feed: 'installers',
    });
    req.flush({ id: 9, ...req.request.body });
    await settle();
    expect(rowTexts()).toEqual(['builders | Group | Publish | Deny | Remove']);
    expect(snackText()).toContain('Denied “Publish” to builders.');
    // Ready for the next one: same type and role, empty name, grant.
    expect(
      await (await loader.getHarness(MatInputHarness.with({ selector: '[formControlName=principalName]' }))).getValue(),
    ).toBe('');
    expect(await (await loader.getHarness(MatCheckboxHarness.with({ label: /Deny/ }))).isChecked()).toBe(false);
  });

  it('offers the built-in groups by name for a built-in group rule', async () => {
    await open([]);
    await select('principalType', 'Built-in group');
    const name = await loader.getHarness(MatSelectHarness.with({ selector: '[formControlName=principalName]' }));
    expect(await name.getValueText()).toBe('Everyone');
    await name.open();
    await name.clickOptions({ text: 'Authenticated' });
    await select('role', 'View & Download');
    await submit();
    const req = backend.expectOne((r) => r.method === 'POST' && r.url === '/api/security/privileges');
    expect(req.request.body).toEqual({
      principalType: 'pseudo',
      principalName: 'Authenticated',
      role: 'View & Download',
      deny: false,
      feed: 'installers',
    });
    req.flush({ id: 10, ...req.request.body });
    await settle();
    expect(rowTexts()).toEqual(['Authenticated | Built-in group | View & Download | Grant | Remove']);
  });

  it("shows the server's refusal of a new rule and keeps the form", async () => {
    await open();
    await (
      await loader.getHarness(MatInputHarness.with({ selector: '[formControlName=principalName]' }))
    ).setValue('eve');
    await select('role', 'Administer');
    await submit();
    backend
      .expectOne((r) => r.method === 'POST' && r.url === '/api/security/privileges')
      .flush(
        { code: 'forbidden', message: 'Only an administrator may grant a role that includes Administer.' },
        { status: 403, statusText: 'Forbidden' },
      );
    await settle();
    expect(element.querySelector('[role=alert]')?.textContent).toContain(
      'Only an administrator may grant a role that includes Administer.',
    );
    expect(rowTexts()).toHaveLength(2);
    expect(
      await (await loader.getHarness(MatInputHarness.with({ selector: '[formControlName=principalName]' }))).getValue(),
    ).toBe('eve');
  });

  it('asks before removing a rule, then removes it', async () => {
    await open();
    const remove = () =>
      loader
        .getHarness(MatButtonHarness.with({ selector: '[aria-label="Remove rule for dora"]' }))
        .then((b) => b.click());
    await remove();
    let confirm = await root.getHarness(MatDialogHarness);
    expect(await (await confirm.host()).text()).toContain(
      'User “dora” will no longer be granted “Publish” in installers.',
    );
    await (await confirm.getHarness(MatButtonHarness.with({ text: 'Cancel' }))).click();
    await settle();
    backend.expectNone('/api/security/privileges/3');
    expect(rowTexts()).toHaveLength(2);

    await remove();
    confirm = await root.getHarness(MatDialogHarness);
    await (await confirm.getHarness(MatButtonHarness.with({ text: 'Remove rule' }))).click();
    const req = backend.expectOne('/api/security/privileges/3');
    expect(req.request.method).toBe('DELETE');
    req.flush(null);
    await settle();
    expect(rowTexts()).toEqual(['Anonymous | Built-in group | View & Download | Deny | Remove']);
    expect(snackText()).toContain('Rule removed.');
  });

  it("keeps the rule and shows the server's message when removing is refused", async () => {
    await open();
    await (await loader.getHarness(MatButtonHarness.with({ selector: '[aria-label="Remove rule for dora"]' }))).click();
    const confirm = await root.getHarness(MatDialogHarness);
    await (await confirm.getHarness(MatButtonHarness.with({ text: 'Remove rule' }))).click();
    backend
      .expectOne('/api/security/privileges/3')
      .flush(
        { code: 'forbidden', message: 'dora lacks the Admin_ManageFeed privilege here.' },
        { status: 403, statusText: 'Forbidden' },
      );
    await settle();
    expect(rowTexts()).toHaveLength(2);
    expect(snackText()).toContain('Could not remove the rule: dora lacks the Admin_ManageFeed privilege here.');
  });

  it('only lists the rules when the user may not change them', async () => {
    await open(RULES, false);
    expect(rowTexts()).toEqual([
      'dora | User | Publish | Grant',
      'Anonymous | Built-in group | View & Download | Deny',
    ]);
    expect(element.querySelector('[data-testid=remove-rule]')).toBeNull();
    expect(element.querySelector('[data-testid=add-rule]')).toBeNull();
    expect(await loader.getAllHarnesses(MatButtonHarness)).toHaveLength(0);
  });

  it("shows the server's message with a retry when the rules cannot be loaded", async () => {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), noMaterialAnimations],
    });
    backend = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(Host);
    element = fixture.nativeElement as HTMLElement;
    loader = TestbedHarnessEnvironment.loader(fixture);
    await settle();
    backend
      .expectOne((r) => r.url === '/api/security/privileges')
      .flush(
        { code: 'forbidden', message: 'eve lacks the Admin_ManageFeed privilege here.' },
        { status: 403, statusText: 'Forbidden' },
      );
    // The roles' request goes with it.
    expect(backend.expectOne('/api/security/roles').cancelled).toBe(true);
    await settle();
    expect(element.querySelector('[role=alert]')?.textContent).toContain(
      'eve lacks the Admin_ManageFeed privilege here.',
    );
    await (await loader.getHarness(MatButtonHarness.with({ text: 'Try again' }))).click();
    backend.expectOne((r) => r.url === '/api/security/privileges').flush(RULES);
    backend.expectOne('/api/security/roles').flush(ROLES);
    await settle();
    expect(rowTexts()).toHaveLength(2);
  });
});
