import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { requestedWithInterceptor } from './requested-with-interceptor';

describe('requestedWithInterceptor', () => {
  let http: HttpClient;
  let backend: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(withInterceptors([requestedWithInterceptor])), provideHttpClientTesting()],
    });
    http = TestBed.inject(HttpClient);
    backend = TestBed.inject(HttpTestingController);
  });

  afterEach(() => backend.verify());

  it('marks API calls as XMLHttpRequest so the server leaves out WWW-Authenticate: Basic', () => {
    http.get('/api/security/me').subscribe();
    http.post('/api/security/logout', null).subscribe();
    http.get('/endpoints/installers/dir/').subscribe();
    const requests = ['/api/security/me', '/api/security/logout', '/endpoints/installers/dir/'];
    for (const req of requests.map((url) => backend.expectOne(url))) {
      expect(req.request.headers.get('X-Requested-With')).toBe('XMLHttpRequest');
      req.flush(null);
    }
  });

  it('leaves other requests alone', () => {
    http.get('/health', { responseType: 'text' }).subscribe();
    const req = backend.expectOne('/health');
    expect(req.request.headers.has('X-Requested-With')).toBe(false);
    req.flush('');
  });
});
