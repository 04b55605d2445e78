import type { HarnessLoader } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ApplicationRef, Component, signal } from '@angular/core';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatDialog } from '@angular/material/dialog';
import { MatDialogHarness } from '@angular/material/dialog/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { MatSelectHarness } from '@angular/material/select/testing';
import { provideRouter } from '@angular/router';
import { type CurrentPrincipal, type Feed, Privilege } from '@stockroom/contracts';
import { AuthStore } from '../../core/auth/auth-store';
import { noMaterialAnimations } from '../../testing/material';
import { ADMIN } from '../../testing/principals';
import { STATUS } from './connector-api.spec';
import { ConnectorTab, connectorRequest, upstreamUrlProblem } from './connector-tab';

const MANAGER: CurrentPrincipal = {
  authenticated: true,
  userName: 'jane',
  displayName: 'Jane',
  credential: 'session',
  privileges: [],
};

function feedOf(extra: Partial<Feed> = {}): Feed {
  return {
    name: 'mirror',
    feedType: 'asset',
    description: '',
    active: true,
    retentionRules: [],
    retentionRulesEnabled: false,
    retentionDryRun: false,
    privileges: Object.values(Privilege),
    ...extra,
  };
}

@Component({
  imports: [ConnectorTab],
  template: `<app-connector-tab [feed]="feed()" [canManage]="canManage()" (saved)="saved.push($event)" />`,
})
class Host {
  readonly feed = signal(feedOf());
  readonly canManage = signal(true);
  readonly saved: Feed[] = [];
}

describe('ConnectorTab', () => {
  let backend: HttpTestingController;
  let fixture: ComponentFixture<Host>;
  let loader: HarnessLoader;
  let root: HarnessLoader;
  let element: HTMLElement;

  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve));
    TestBed.tick();
    await TestBed.inject(ApplicationRef).whenStable();
  }

  async function open(me: CurrentPrincipal, feed: Feed, canManage = true): Promise<void> {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([]), noMaterialAnimations],
    });
    backend = TestBed.inject(HttpTestingController);
    const known = TestBed.inject(AuthStore).refresh();
    backend.expectOne('/api/security/me').flush(me);
    await known;
    fixture = TestBed.createComponent(Host);
    fixture.componentInstance.feed.set(feed);
    fixture.componentInstance.canManage.set(canManage);
    element = fixture.nativeElement as HTMLElement;
    loader = TestbedHarnessEnvironment.loader(fixture);
    root = TestbedHarnessEnvironment.documentRootLoader(fixture);
    await settle();
  }

  const byTestId = (id: string) => element.querySelector<HTMLElement>(`[data-testid=${id}]`);
  const text = (id: string) => byTestId(id)?.textContent?.replace(/\s+/g, ' ').trim();
  const input = (id: string) => loader.getHarness(MatInputHarness.with({ selector: `[data-testid=${id}]` }));
  const button = (id: string) => loader.getHarness(MatButtonHarness.with({ selector: `[data-testid=${id}]` }));

  afterEach(() => {
    backend.verify();
    TestBed.inject(MatDialog).closeAll();
    fixture?.destroy();
  });

  it('lets an administrator add a connector to a directory without one', async () => {
    await open(ADMIN, feedOf());
    expect(text('connector-none')).toBe('This directory has no connector.');
    backend.expectNone('/api/connectors/mirror/status');
    await (await button('connector-add')).click();
    await settle();
    await (
      await loader.getHarness(MatSelectHarness.with({ selector: '[data-testid=connector-type]' }))
    ).clickOptions({
      text: /Stockroom or ProGet/,
    });
    await (await input('connector-url')).setValue('https://remote.example/endpoints/releases/');
    await (
      await loader.getHarness(MatSelectHarness.with({ selector: '[data-testid=connector-auth]' }))
    ).clickOptions({
      text: /API key/,
    });
    await settle();
    await (await input('connector-api-key')).setValue('remote-key');
    await (await input('connector-cache')).setValue('60');
    await (await button('connector-save')).click();
    const req = backend.expectOne('/api/management/feeds/update/mirror');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({
      connector: {
        type: 'stockroom',
        url: 'https://remote.example/endpoints/releases/',
        apiKey: 'remote-key',
        cacheMinutes: 60,
        negativeCacheMinutes: 5,
        timeoutSeconds: 30,
        offline: false,
      },
    });
    const updated = feedOf({ connector: { ...STATUS.connector, cacheMinutes: 60 } });
    req.flush(updated);
    await settle();
    expect(fixture.componentInstance.saved).toEqual([updated]);
    expect(document.querySelector('mat-snack-bar-container')?.textContent).toContain('Connector saved.');
  });

  it('keeps a masked secret by sending it back, and shows the status with the hit rate and the last error', async () => {
    const connector = { ...STATUS.connector, type: 'http' as const, url: 'http://files.example/', apiKey: undefined };
    const withBasic = { ...connector, username: 'bot', password: '********' };
    await open(ADMIN, feedOf({ connector: withBasic }));
    backend.expectOne('/api/connectors/mirror/status').flush({ ...STATUS, connector: withBasic });
    await settle();
    expect(await (await input('connector-password')).getValue()).toBe('********');
    expect(text('connector-cached')).toBe('2 (3.00 KiB)');
    expect(text('connector-hit-rate')).toBe('75 % (3 hits, 1 miss)');
    expect(text('connector-errors')).toBe('1');
    expect(text('connector-last-error')).toMatch(/^The upstream answered 500\. — \/missing\.bin, .*2030/);
    // Only stockroom upstreams can be listed.
    expect(byTestId('connector-browse-upstream')).toBeNull();

    await (await input('connector-timeout')).setValue('10');
    await (await button('connector-save')).click();
    const req = backend.expectOne('/api/management/feeds/update/mirror');
    expect(req.request.body.connector).toMatchObject({ username: 'bot', password: '********', timeoutSeconds: 10 });
    req.flush(feedOf({ connector: { ...withBasic, timeoutSeconds: 10 } }));
    await settle();
  });

  it('removes the connector after a confirmation', async () => {
    await open(ADMIN, feedOf({ connector: STATUS.connector }));
    backend.expectOne('/api/connectors/mirror/status').flush(STATUS);
    await settle();
    await (await button('connector-remove')).click();
    const confirm = await root.getHarness(MatDialogHarness);
    expect(await (await confirm.host()).text()).toContain('Remove the connector?');
    await (await confirm.getHarness(MatButtonHarness.with({ text: 'Remove' }))).click();
    await settle();
    const req = backend.expectOne('/api/management/feeds/update/mirror');
    expect(req.request.body).toEqual({ connector: null });
    req.flush(feedOf({ connector: null }));
    await settle();
    expect(fixture.componentInstance.saved.at(-1)?.connector).toBeNull();
  });

  it('shows a manager the connector read-only, with its status and a way to the upstream', async () => {
    await open(MANAGER, feedOf({ connector: STATUS.connector }));
    backend.expectOne('/api/connectors/mirror/status').flush(STATUS);
    await settle();
    expect(await (await input('connector-url')).isDisabled()).toBe(true);
    expect(byTestId('connector-save')).toBeNull();
    expect(byTestId('connector-remove')).toBeNull();
    expect(text('connector-read-only')).toBe('Only administrators can change the connector.');
    expect(text('connector-hit-rate')).toMatch(/^75 %/);
    expect(byTestId('connector-browse-upstream')?.getAttribute('href')).toBe('/feeds/mirror/browse?upstream=true');
  });

  it('shows the status refusal and asks nothing of a viewer', async () => {
    await open(MANAGER, feedOf({ connector: STATUS.connector }), false);
    backend.expectNone('/api/connectors/mirror/status');
    expect(byTestId('connector-status')).toBeNull();
  });
});

describe('connector form helpers', () => {
  it('accepts http(s) addresses only', () => {
    expect(upstreamUrlProblem('https://example.org/releases/')).toBeUndefined();
    expect(upstreamUrlProblem('ftp://example.org/')).toBe('Use an http:// or https:// address.');
    expect(upstreamUrlProblem('example.org')).toMatch(/^Enter a full address/);
    expect(upstreamUrlProblem('')).toBeUndefined();
  });

  it('sends the credentials of the chosen kind only', () => {
    const values = {
      type: 'http' as const,
      url: ' https://x.example/ ',
      auth: 'none' as const,
      username: 'bot',
      password: 'pw',
      apiKey: 'key',
      cacheMinutes: 1,
      negativeCacheMinutes: 2,
      timeoutSeconds: 3,
      offline: true,
    };
    expect(connectorRequest(values)).toEqual({
      type: 'http',
      url: 'https://x.example/',
      cacheMinutes: 1,
      negativeCacheMinutes: 2,
      timeoutSeconds: 3,
      offline: true,
    });
    expect(connectorRequest({ ...values, auth: 'basic' })).toMatchObject({ username: 'bot', password: 'pw' });
    expect(connectorRequest({ ...values, auth: 'basic' }).apiKey).toBeUndefined();
    expect(connectorRequest({ ...values, auth: 'apiKey' })).toMatchObject({ apiKey: 'key' });
  });
});
