import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { Webhook, WebhookDelivery } from '@stockroom/contracts';
import { firstValueFrom } from 'rxjs';
import { WebhooksApi } from './webhooks-api';

const HOOK: Webhook = {
  id: 'w1',
  url: 'https://hooks.example/in',
  events: ['file.created'],
  feed: 'my files',
  secret: '********',
  active: true,
  createdBy: 'Admin',
  createdAt: '2030-01-01T00:00:00Z',
};

const DELIVERY: WebhookDelivery = {
  id: 'd1',
  webhookId: 'w1',
  eventId: 'e1',
  eventType: 'webhook.test',
  state: 'delivered',
  attempts: 1,
  createdAt: '2030-01-01T00:00:00Z',
  nextAttemptAt: null,
};

describe('WebhooksApi', () => {
  let api: WebhooksApi;
  let http: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    api = TestBed.inject(WebhooksApi);
    http = TestBed.inject(HttpTestingController);
  });
  afterEach(() => http.verify());

  it("lists a directory's webhooks with ?feed=, and the global ones without", async () => {
    const mine = firstValueFrom(api.list('my files'));
    const req = http.expectOne('/api/webhooks?feed=my%20files');
    expect(req.request.method).toBe('GET');
    req.flush([HOOK]);
    await expect(mine).resolves.toEqual([HOOK]);

    const global = firstValueFrom(api.list(null));
    http.expectOne('/api/webhooks').flush([]);
    await expect(global).resolves.toEqual([]);
  });

  it('creates with POST, enables or disables with PATCH, deletes with DELETE', async () => {
    const created = firstValueFrom(
      api.create({ url: HOOK.url, events: ['file.created'], feed: 'my files', secret: 'x'.repeat(16) }),
    );
    const post = http.expectOne('/api/webhooks');
    expect(post.request.method).toBe('POST');
    expect(post.request.body).toEqual({
      url: HOOK.url,
      events: ['file.created'],
      feed: 'my files',
      secret: 'x'.repeat(16),
    });
    post.flush(HOOK, { status: 201, statusText: 'Created' });
    await expect(created).resolves.toEqual(HOOK);

    const patched = firstValueFrom(api.update('w1', { active: false }));
    const patch = http.expectOne('/api/webhooks/w1');
    expect(patch.request.method).toBe('PATCH');
    expect(patch.request.body).toEqual({ active: false });
    patch.flush({ ...HOOK, active: false });
    await expect(patched).resolves.toMatchObject({ active: false });

    const deleted = firstValueFrom(api.delete('w1'));
    const del = http.expectOne('/api/webhooks/w1');
    expect(del.request.method).toBe('DELETE');
    del.flush(null, { status: 204, statusText: 'No Content' });
    await expect(deleted).resolves.toBeUndefined();
  });

  it('reads the deliveries and one delivery, redelivers it and sends a test event', async () => {
    const list = firstValueFrom(api.deliveries('w1'));
    http.expectOne({ method: 'GET', url: '/api/webhooks/w1/deliveries' }).flush([DELIVERY]);
    await expect(list).resolves.toEqual([DELIVERY]);

    const one = firstValueFrom(api.delivery('w1', 'd1'));
    const full = { ...DELIVERY, attemptLog: [{ at: DELIVERY.createdAt, status: 200, latencyMs: 12, error: null }] };
    http.expectOne({ method: 'GET', url: '/api/webhooks/w1/deliveries/d1' }).flush(full);
    await expect(one).resolves.toEqual(full);

    const again = firstValueFrom(api.redeliver('w1', 'd1'));
    http.expectOne({ method: 'POST', url: '/api/webhooks/w1/deliveries/d1/redeliver' }).flush(DELIVERY);
    await expect(again).resolves.toEqual(DELIVERY);

    const test = firstValueFrom(api.test('w1'));
    http
      .expectOne({ method: 'POST', url: '/api/webhooks/w1/test' })
      .flush(DELIVERY, { status: 202, statusText: 'Accepted' });
    await expect(test).resolves.toEqual(DELIVERY);
  });
});
