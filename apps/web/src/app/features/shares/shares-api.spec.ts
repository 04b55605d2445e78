import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { type CreatedShare, Privilege, type Share } from '@stockroom/contracts';
import { firstValueFrom } from 'rxjs';
import { maySharePaths, SharesApi } from './shares-api';

const SHARE: Share = {
  id: 3,
  feed: 'my files',
  path: 'docs/a.txt',
  kind: 'file',
  createdBy: 'jane',
  createdAt: '2026-01-01T00:00:00Z',
  expiresAt: '2026-01-08T00:00:00Z',
  maxDownloads: null,
  downloads: 0,
  hasPassword: false,
  endedAt: null,
  state: 'active',
};

describe('SharesApi', () => {
  let api: SharesApi;
  let http: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    api = TestBed.inject(SharesApi);
    http = TestBed.inject(HttpTestingController);
  });

  afterEach(() => http.verify());

  it('creates a link with POST /api/shares and returns its URL', async () => {
    const created: CreatedShare = { id: 3, url: 'http://x/s/abc', expiresAt: '2026-01-08T00:00:00Z' };
    const answer = firstValueFrom(api.create({ feed: 'my files', path: 'docs/a.txt', expiresInMinutes: 60 }));
    const req = http.expectOne('/api/shares');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({ feed: 'my files', path: 'docs/a.txt', expiresInMinutes: 60 });
    req.flush(created, { status: 201, statusText: 'Created' });
    await expect(answer).resolves.toEqual(created);
  });

  it("lists a directory's links with ?feed=", async () => {
    const list = firstValueFrom(api.list('my files'));
    const req = http.expectOne('/api/shares?feed=my%20files');
    expect(req.request.method).toBe('GET');
    req.flush([SHARE]);
    await expect(list).resolves.toEqual([SHARE]);
  });

  it("revokes with DELETE /api/shares/{id}, and reads a refusal's JSON message", async () => {
    const done = firstValueFrom(api.revoke(3));
    const req = http.expectOne('/api/shares/3');
    expect(req.request.method).toBe('DELETE');
    req.flush(null, { status: 204, statusText: 'No Content' });
    await expect(done).resolves.toBeUndefined();

    const refused = firstValueFrom(api.revoke(4));
    http
      .expectOne('/api/shares/4')
      .flush({ code: 'NotFound', message: 'No such share.' }, { status: 404, statusText: 'Not Found' });
    await expect(refused).rejects.toMatchObject({ status: 404, error: { message: 'No such share.' } });
  });
});

describe('maySharePaths', () => {
  it('needs Download and Feeds_ShareAsset', () => {
    expect(maySharePaths([Privilege.View, Privilege.Download, Privilege.ShareAsset])).toBe(true);
    expect(maySharePaths([Privilege.View, Privilege.ShareAsset])).toBe(false);
    expect(maySharePaths(Object.values(Privilege).filter((p) => p !== Privilege.ShareAsset))).toBe(false);
    expect(maySharePaths(undefined)).toBe(false);
  });
});
