import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { firstValueFrom } from 'rxjs';
import { PrivilegesApi } from './privileges-api';

describe('PrivilegesApi', () => {
  let api: PrivilegesApi;
  let http: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting()] });
    api = TestBed.inject(PrivilegesApi);
    http = TestBed.inject(HttpTestingController);
  });

  afterEach(() => http.verify());

  it('lists every rule without a directory', async () => {
    const rules = firstValueFrom(api.list());
    const req = http.expectOne((r) => r.url === '/api/security/privileges');
    expect(req.request.method).toBe('GET');
    expect(req.request.params.keys()).toEqual([]);
    req.flush([]);
    await expect(rules).resolves.toEqual([]);
  });

  it("lists one directory's rules with ?feed=", async () => {
    const rules = firstValueFrom(api.list('my files'));
    const req = http.expectOne('/api/security/privileges?feed=my%20files');
    expect(req.request.method).toBe('GET');
    req.flush([]);
    await expect(rules).resolves.toEqual([]);
  });
});
