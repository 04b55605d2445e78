import type { HarnessLoader } from '@angular/cdk/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ApplicationRef, Component, signal } from '@angular/core';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatCheckboxHarness } from '@angular/material/checkbox/testing';
import { MatDialog } from '@angular/material/dialog';
import { MatDialogHarness } from '@angular/material/dialog/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { MatSlideToggleHarness } from '@angular/material/slide-toggle/testing';
import { provideRouter } from '@angular/router';
import type { Webhook, WebhookDelivery } from '@stockroom/contracts';
import { noMaterialAnimations } from '../../testing/material';
import { WebhooksPanel } from './webhooks-panel';

@Component({
  imports: [WebhooksPanel],
  template: `<app-webhooks-panel [feed]="feed()" />`,
})
class Host {
  readonly feed = signal<string | null>('builds');
}

function hook(id: string, extra: Partial<Webhook> = {}): Webhook {
  return {
    id,
    url: `https://hooks.example/${id}`,
    events: ['file.created', 'file.deleted'],
    feed: 'builds',
    secret: '********',
    active: true,
    createdBy: 'Admin',
    createdAt: '2030-01-01T00:00:00Z',
    lastDelivery: null,
    ...extra,
  };
}

const DELIVERIES: WebhookDelivery[] = [
  {
    id: 'd2',
    webhookId: 'w1',
    eventId: 'e2',
    eventType: 'file.created',
    state: 'pending',
    attempts: 2,
    createdAt: '2030-01-01T00:02:00Z',
    nextAttemptAt: '2030-01-01T00:10:00Z',
  },
  {
    id: 'd1',
    webhookId: 'w1',
    eventId: 'e1',
    eventType: 'webhook.test',
    state: 'delivered',
    attempts: 1,
    createdAt: '2030-01-01T00:01:00Z',
    nextAttemptAt: null,
  },
];

describe('WebhooksPanel', () => {
  let backend: HttpTestingController;
  let fixture: ComponentFixture<Host>;
  let loader: HarnessLoader;
  let root: HarnessLoader;

  async function settle(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve));
    TestBed.tick();
    await TestBed.inject(ApplicationRef).whenStable();
  }

  async function open(feed: string | null, hooks: Webhook[]): Promise<void> {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([]), noMaterialAnimations],
    });
    backend = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(Host);
    fixture.componentInstance.feed.set(feed);
    loader = TestbedHarnessEnvironment.loader(fixture);
    root = TestbedHarnessEnvironment.documentRootLoader(fixture);
    await settle();
    backend.expectOne(feed === null ? '/api/webhooks' : `/api/webhooks?feed=${feed}`).flush(hooks);
    await settle();
  }

  const rows = () => Array.from(document.querySelectorAll<HTMLElement>('[data-testid=webhook-row]'));
  const rowButton = (id: string, testId: string) =>
    loader.getHarness(MatButtonHarness.with({ selector: `[data-id="${id}"] [data-testid=${testId}]` }));

  afterEach(() => {
    backend.verify();
    TestBed.inject(MatDialog).closeAll();
    fixture?.destroy();
  });

  it("lists a directory's webhooks with their events, state and last delivery", async () => {
    await open('builds', [
      hook('w1', { lastDelivery: { at: '2030-01-01T00:00:00Z', status: 'failed', responseStatus: 500 } }),
      hook('w2', { active: false }),
    ]);
    expect(rows().map((r) => [r.dataset['url'], r.dataset['active']])).toEqual([
      ['https://hooks.example/w1', 'true'],
      ['https://hooks.example/w2', 'false'],
    ]);
    expect(Array.from(rows()[0].querySelectorAll('.events .tag')).map((t) => t.textContent?.trim())).toEqual([
      'file.created',
      'file.deleted',
    ]);
    expect(rows()[0].querySelector('[data-testid=webhook-last-delivery]')?.textContent).toMatch(/Failed \(500\)/);
    expect(document.querySelector('h2')?.textContent).toBe('Webhooks of builds');
  });

  it('creates a webhook for the directory with the chosen events and secret', async () => {
    await open('builds', []);
    expect(document.querySelector('[data-testid=webhooks-empty]')).not.toBeNull();
    await (await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid=webhook-new]' }))).click();
    const dialog = await root.getHarness(MatDialogHarness);
    await (
      await dialog.getHarness(MatInputHarness.with({ selector: '[data-testid=webhook-url]' }))
    ).setValue('https://hooks.example/in');
    const secret = await dialog.getHarness(MatInputHarness.with({ selector: '[data-testid=webhook-secret]' }));
    expect((await secret.getValue()).length).toBe(32);
    await secret.setValue('short');
    await (await dialog.getHarness(MatButtonHarness.with({ text: 'Create' }))).click();
    backend.expectNone('/api/webhooks');
    await secret.setValue('a-secret-of-enough-length');
    await (
      await dialog.getHarness(MatCheckboxHarness.with({ selector: '[data-testid="webhook-event-file.deleted"]' }))
    ).uncheck();
    await (
      await dialog.getHarness(MatCheckboxHarness.with({ selector: '[data-testid="webhook-event-webhook.test"]' }))
    ).check();
    await (await dialog.getHarness(MatButtonHarness.with({ text: 'Create' }))).click();
    const req = backend.expectOne({ method: 'POST', url: '/api/webhooks' });
    expect(req.request.body).toEqual({
      url: 'https://hooks.example/in',
      events: ['file.created', 'file.updated', 'webhook.test'],
      feed: 'builds',
      secret: 'a-secret-of-enough-length',
      active: true,
    });
    req.flush(hook('w9', { url: 'https://hooks.example/in' }), { status: 201, statusText: 'Created' });
    await settle();
    backend.expectOne('/api/webhooks?feed=builds').flush([hook('w9', { url: 'https://hooks.example/in' })]);
    await settle();
    expect(rows().map((r) => r.dataset['id'])).toEqual(['w9']);
  });

  it("shows the server's refusal in the dialog", async () => {
    await open(null, []);
    expect(document.querySelector('h2')?.textContent).toBe('Webhooks');
    await (await loader.getHarness(MatButtonHarness.with({ selector: '[data-testid=webhook-new]' }))).click();
    const dialog = await root.getHarness(MatDialogHarness);
    await (
      await dialog.getHarness(MatInputHarness.with({ selector: '[data-testid=webhook-url]' }))
    ).setValue('http://10.0.0.1/in');
    await (await dialog.getHarness(MatButtonHarness.with({ text: 'Create' }))).click();
    const req = backend.expectOne({ method: 'POST', url: '/api/webhooks' });
    expect(req.request.body.feed).toBeNull();
    req.flush(
      { code: 'outbound_refused', message: 'The address 10.0.0.1 is not allowed.' },
      { status: 400, statusText: 'Bad Request' },
    );
    await settle();
    expect(document.querySelector('[data-testid=webhook-dialog] [role=alert]')?.textContent).toBe(
      'The address 10.0.0.1 is not allowed.',
    );
  });

  it('disables, sends a test event and deletes after a confirmation', async () => {
    await open('builds', [hook('w1')]);
    await (await loader.getHarness(MatSlideToggleHarness)).toggle();
    const patch = backend.expectOne({ method: 'PATCH', url: '/api/webhooks/w1' });
    expect(patch.request.body).toEqual({ active: false });
    patch.flush(hook('w1', { active: false }));
    await settle();
    backend.expectOne('/api/webhooks?feed=builds').flush([hook('w1', { active: false })]);
    await settle();
    expect(rows()[0].dataset['active']).toBe('false');

    await (await rowButton('w1', 'webhook-test')).click();
    backend.expectOne({ method: 'POST', url: '/api/webhooks/w1/test' }).flush({ eventId: 'e9' });
    await settle();
    expect(document.querySelector('mat-snack-bar-container')?.textContent).toContain('Test event queued');
    backend.expectOne('/api/webhooks?feed=builds').flush([hook('w1', { active: false })]);

    await (await rowButton('w1', 'webhook-delete')).click();
    const confirm = await root.getHarness(MatDialogHarness);
    await (await confirm.getHarness(MatButtonHarness.with({ text: 'Delete' }))).click();
    await settle();
    backend
      .expectOne({ method: 'DELETE', url: '/api/webhooks/w1' })
      .flush(null, { status: 204, statusText: 'No Content' });
    await settle();
    backend.expectOne('/api/webhooks?feed=builds').flush([]);
    await settle();
    expect(rows()).toEqual([]);
  });

  it('shows the deliveries, one delivery with its attempts and body, and redelivers it', async () => {
    await open('builds', [hook('w1')]);
    await (await rowButton('w1', 'webhook-deliveries')).click();
    backend.expectOne('/api/webhooks/w1/deliveries').flush(DELIVERIES);
    await settle();
    const deliveryRows = Array.from(document.querySelectorAll<HTMLElement>('[data-testid=delivery-row]'));
    expect(deliveryRows.map((r) => [r.dataset['event'], r.dataset['state']])).toEqual([
      ['file.created', 'pending'],
      ['webhook.test', 'delivered'],
    ]);
    const pendingCells = Array.from(deliveryRows[0].querySelectorAll('td')).map((td) => td.textContent?.trim());
    expect(pendingCells[2]).toBe('Pending');
    expect(pendingCells[3]).toBe('2');
    expect(pendingCells[5]).toMatch(/2030/);

    const dialog = await root.getHarness(MatDialogHarness);
    await (
      await dialog.getHarness(MatButtonHarness.with({ selector: '[data-id=d1] [data-testid=delivery-details]' }))
    ).click();
    const full: WebhookDelivery = {
      ...DELIVERIES[1],
      body: {
        id: 'e1',
        type: 'webhook.test',
        occurredAt: '2030-01-01T00:01:00Z',
        directory: 'builds',
        path: null,
        actor: 'Admin',
        item: null,
      },
      attemptLog: [
        { at: '2030-01-01T00:01:00Z', status: null, latencyMs: 3000, error: 'connect ECONNREFUSED' },
        { at: '2030-01-01T00:02:00Z', status: 204, latencyMs: 12, error: null },
      ],
    };
    backend.expectOne('/api/webhooks/w1/deliveries/d1').flush(full);
    await settle();
    const attempts = Array.from(document.querySelectorAll('[data-testid=delivery-attempt]')).map((tr) =>
      Array.from(tr.querySelectorAll('td')).map((td) => td.textContent?.trim()),
    );
    expect(attempts.map((a) => a.slice(1))).toEqual([
      ['No answer', '3000 ms', 'connect ECONNREFUSED'],
      ['204', '12 ms', ''],
    ]);
    expect(JSON.parse(document.querySelector('[data-testid=delivery-body]')?.textContent ?? '')).toEqual(full.body);

    await (await dialog.getHarness(MatButtonHarness.with({ selector: '[data-testid=delivery-redeliver]' }))).click();
    backend.expectOne({ method: 'POST', url: '/api/webhooks/w1/deliveries/d1/redeliver' }).flush(DELIVERIES[1]);
    await settle();
    backend.expectOne('/api/webhooks/w1/deliveries').flush(DELIVERIES);
    backend.expectOne('/api/webhooks/w1/deliveries/d1').flush(full);
    await settle();
    expect(document.querySelector('mat-snack-bar-container')?.textContent).toContain('Redelivery queued.');
  });
});
