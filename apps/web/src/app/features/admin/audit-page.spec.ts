import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, type TestRequest, provideHttpClientTesting } from '@angular/common/http/testing';
import type { ComponentFixture } from '@angular/core/testing';
import { TestBed } from '@angular/core/testing';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { MatSelectHarness } from '@angular/material/select/testing';
import type { HarnessLoader } from '@angular/cdk/testing';
import { AuditAction, type AuditEvent, type AuditPage as AuditPageData } from '@stockroom/contracts';
import { provideRouter } from '@angular/router';
import { noMaterialAnimations } from '../../testing/material';
import { AuditPage } from './audit-page';

function event(id: number, action = AuditAction.LoginFailed): AuditEvent {
  return {
    id,
    at: '2026-03-01T10:00:00.000Z',
    action,
    userName: 'alice',
    credential: 'session',
    address: '10.0.0.7',
    feed: null,
    target: 'alice',
    details: { changed: ['displayName', 'groups'] },
  };
}

describe('AuditPage', () => {
  let backend: HttpTestingController;
  let fixture: ComponentFixture<AuditPage>;
  let loader: HarnessLoader;

  /** The one pending audit request, with its query as a plain object. */
  function expectQuery(): { req: TestRequest; query: Record<string, string> } {
    const req = backend.expectOne((r) => r.url === '/api/security/audit');
    const query = Object.fromEntries(req.request.params.keys().map((k) => [k, req.request.params.get(k) ?? '']));
    return { req, query };
  }

  async function flush(req: TestRequest, page: AuditPageData): Promise<void> {
    req.flush(page);
    await fixture.whenStable();
  }

  async function button(testid: string): Promise<MatButtonHarness> {
    return loader.getHarness(MatButtonHarness.with({ selector: `[data-testid=${testid}]` }));
  }

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([]), noMaterialAnimations],
    });
    backend = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(AuditPage);
    fixture.detectChanges();
    loader = TestbedHarnessEnvironment.loader(fixture);
  });

  afterEach(() => backend.verify());

  it('first shows the newest events, unfiltered', async () => {
    const { req, query } = expectQuery();
    expect(query).toEqual({ limit: '50' });
    await flush(req, { events: [event(2), event(1, AuditAction.UserUpdated)] });
    const rows: HTMLElement[] = Array.from(fixture.nativeElement.querySelectorAll('[data-testid=audit-row]'));
    expect(rows.map((r) => r.getAttribute('data-action'))).toEqual(['login.failed', 'user.updated']);
    expect(rows[1].textContent).toContain('User changed');
    expect(rows[1].textContent).toContain('10.0.0.7');
    expect(rows[1].textContent).toContain('changed: displayName, groups');
    expect(rows[1].textContent).toContain('console');
  });

  it('sends the chosen filters (actions, user, directory, from, until, page size)', async () => {
    await flush(expectQuery().req, { events: [] });
    const actions = await loader.getHarness(MatSelectHarness.with({ selector: '[data-testid=audit-filter-action]' }));
    await actions.open();
    await actions.clickOptions({ text: 'Sign-in failed' });
    await actions.clickOptions({ text: 'User created' });
    await actions.close();
    await (
      await loader.getHarness(MatInputHarness.with({ selector: '[data-testid=audit-filter-user]' }))
    ).setValue(' alice ');
    await (
      await loader.getHarness(MatInputHarness.with({ selector: '[data-testid=audit-filter-feed]' }))
    ).setValue('docs');
    await (
      await loader.getHarness(MatInputHarness.with({ selector: '[data-testid=audit-filter-from]' }))
    ).setValue('2026-03-01T08:30');
    await (
      await loader.getHarness(MatInputHarness.with({ selector: '[data-testid=audit-filter-to]' }))
    ).setValue('2026-03-02T00:00');
    backend.expectNone((r) => r.url === '/api/security/audit'); // nothing until Apply
    await (await button('audit-apply')).click();

    const filters = {
      action: 'login.failed,user.created',
      user: 'alice',
      feed: 'docs',
      from: new Date('2026-03-01T08:30').toISOString(),
      to: new Date('2026-03-02T00:00').toISOString(),
    };
    const applied = expectQuery();
    expect(applied.query).toEqual({ ...filters, limit: '50' });
    await flush(applied.req, { events: [] });

    const size = await loader.getHarness(MatSelectHarness.with({ selector: '[data-testid=audit-page-size]' }));
    await size.open();
    await size.clickOptions({ text: '100' });
    const { req, query } = expectQuery();
    expect(query).toEqual({ ...filters, limit: '100' });
    req.flush({ events: [] });
  });

  it('pages to older events with `before`, and back, keeping the filters', async () => {
    await flush(expectQuery().req, { events: [] });
    await (
      await loader.getHarness(MatInputHarness.with({ selector: '[data-testid=audit-filter-user]' }))
    ).setValue('bob');
    await (await button('audit-apply')).click();
    await flush(expectQuery().req, { events: [event(60), event(41)], next: 41 });
    expect(await (await button('audit-newer')).isDisabled()).toBe(true);

    await (await button('audit-older')).click();
    const older = expectQuery();
    expect(older.query).toEqual({ user: 'bob', limit: '50', before: '41' });
    await flush(older.req, { events: [event(40)] });
    expect(fixture.nativeElement.textContent).toContain('Page 2');
    expect(await (await button('audit-older')).isDisabled()).toBe(true);

    await (await button('audit-newer')).click();
    const newer = expectQuery();
    expect(newer.query).toEqual({ user: 'bob', limit: '50' });
    await flush(newer.req, { events: [event(60), event(41)], next: 41 });
    expect(fixture.nativeElement.textContent).toContain('Page 1');
  });

  it("shows the server's message for a refused query and can try again", async () => {
    expectQuery().req.flush(
      { code: 'bad_request', message: '"from" must be an ISO-8601 date or time.' },
      { status: 400, statusText: 'Bad Request' },
    );
    await fixture.whenStable();
    const alert = fixture.nativeElement.querySelector('[role=alert]') as HTMLElement;
    expect(alert.textContent).toContain('Could not load the audit log.');
    expect(alert.textContent).toContain('"from" must be an ISO-8601 date or time.');
    await (await loader.getHarness(MatButtonHarness.with({ text: 'Try again' }))).click();
    await flush(expectQuery().req, { events: [] });
    expect(fixture.nativeElement.querySelector('[role=alert]')).toBeNull();
  });
});
