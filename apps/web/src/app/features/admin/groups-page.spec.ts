import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import type { ComponentFixture } from '@angular/core/testing';
import { TestBed } from '@angular/core/testing';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatDialog } from '@angular/material/dialog';
import { MatDialogHarness } from '@angular/material/dialog/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { MatSelectHarness } from '@angular/material/select/testing';
import { provideRouter } from '@angular/router';
import type { Group, User } from '@stockroom/contracts';
import { noMaterialAnimations } from '../../testing/material';
import { GroupsPage } from './groups-page';

const GROUPS: Group[] = [
  { name: 'developers', description: 'From the directory', members: ['ann.lee'], source: 'ldap' },
  { name: 'ops', description: '', members: ['Admin'], source: 'builtin' },
];

const USERS: User[] = [
  { userName: 'Admin', displayName: '', email: '', enabled: true, groups: ['ops'], createdAt: '2026-01-01T00:00:00Z' },
];

describe('GroupsPage', () => {
  let backend: HttpTestingController;
  let fixture: ComponentFixture<GroupsPage>;

  beforeEach(async () => {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([]), noMaterialAnimations],
    });
    backend = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(GroupsPage);
    fixture.detectChanges();
    backend.expectOne('/api/security/groups').flush(GROUPS);
    backend.expectOne('/api/security/users').flush(USERS);
    await fixture.whenStable();
  });

  afterEach(() => {
    backend.verify();
    TestBed.inject(MatDialog).closeAll();
  });

  function source(name: string): string {
    const row = fixture.nativeElement.querySelector(`[data-testid=group-row][data-name="${name}"]`) as HTMLElement;
    return row.querySelector('[data-testid=group-source]')?.textContent?.trim() ?? '';
  }

  async function edit(name: string): Promise<MatDialogHarness> {
    const loader = TestbedHarnessEnvironment.loader(fixture);
    await (await loader.getHarness(MatButtonHarness.with({ selector: `[aria-label="Edit group ${name}"]` }))).click();
    return TestbedHarnessEnvironment.documentRootLoader(fixture).getHarness(MatDialogHarness);
  }

  it('marks the groups a directory owns', () => {
    expect(source('developers')).toBe('LDAP');
    expect(source('ops')).toBe('Built-in');
  });

  it('shows a directory group’s members read-only and saves only its description', async () => {
    const dialog = await edit('developers');
    expect(await dialog.getText()).toContain('Members come from LDAP');
    expect(await dialog.getText()).toContain('ann.lee');
    expect(await dialog.getAllHarnesses(MatSelectHarness)).toEqual([]);
    const description = await dialog.getHarness(MatInputHarness.with({ selector: 'textarea' }));
    await description.setValue('Developers (LDAP)');
    await (await dialog.getHarness(MatButtonHarness.with({ text: 'Save' }))).click();
    const patch = backend.expectOne({ method: 'PATCH', url: '/api/security/groups/developers' });
    expect(patch.request.body).toEqual({ description: 'Developers (LDAP)' });
    patch.flush({ ...GROUPS[0], description: 'Developers (LDAP)' });
  });

  it('still lets a built-in group’s members be chosen', async () => {
    const dialog = await edit('ops');
    expect(await dialog.getText()).not.toContain('Members come from');
    const members = await dialog.getHarness(MatSelectHarness);
    expect(await members.isDisabled()).toBe(false);
    expect(await members.getValueText()).toBe('Admin');
  });
});
