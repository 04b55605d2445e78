import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { AssetItem, ConnectorStatus } from '@stockroom/contracts';
import { firstValueFrom } from 'rxjs';
import { ConnectorApi } from './connector-api';

export const STATUS: ConnectorStatus = {
  feed: 'mirror',
  connector: {
    type: 'stockroom',
    url: 'https://remote.example/endpoints/releases/',
    apiKey: '********',
    cacheMinutes: 1440,
    negativeCacheMinutes: 5,
    timeoutSeconds: 30,
    offline: false,
  },
  cachedFiles: 2,
  cachedBytes: 3072,
  hits: 3,
  misses: 1,
  hitRate: 0.75,
  errors: 1,
  lastFetchAt: '2030-01-01T00:00:00Z',
  lastError: { at: '2030-01-01T00:01:00Z', path: 'missing.bin', message: 'The upstream answered 500.' },
};

describe('ConnectorApi', () => {
  let api: ConnectorApi;
  let http: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    api = TestBed.inject(ConnectorApi);
    http = TestBed.inject(HttpTestingController);
  });
  afterEach(() => http.verify());

  it("reads a directory's connector status", async () => {
    const status = firstValueFrom(api.status('my mirror'));
    http.expectOne({ method: 'GET', url: '/api/connectors/my%20mirror/status' }).flush(STATUS);
    await expect(status).resolves.toEqual(STATUS);
  });

  it("lists the upstream's folder with ?upstream=true, as entries of that folder", async () => {
    const items: AssetItem[] = [
      {
        name: 'v1',
        type: 'dir',
        created: '2030-01-01T00:00:00Z',
        modified: '2030-01-01T00:00:00Z',
        cacheHeader: {} as AssetItem['cacheHeader'],
      },
      {
        name: 'a b.zip',
        type: 'application/zip',
        size: 10,
        created: '2030-01-01T00:00:00Z',
        modified: '2030-01-02T00:00:00Z',
        cacheHeader: {} as AssetItem['cacheHeader'],
      },
    ];
    const listing = firstValueFrom(api.upstreamListing('my mirror', 'rel/x'));
    http.expectOne({ method: 'GET', url: '/endpoints/my%20mirror/dir/rel/x?upstream=true' }).flush(items);
    const entries = await listing;
    expect(entries.map((e) => [e.path, e.folder, e.size])).toEqual([
      ['rel/x/v1', true, undefined],
      ['rel/x/a b.zip', false, 10],
    ]);
  });
});
