import { TestBed } from '@angular/core/testing';
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { App } from './app';

describe('App shell', () => {
  let http: HttpTestingController;

  beforeEach(async () => {
    await TestBed.configureTestingModule({
      imports: [App],
      providers: [provideHttpClient(), provideHttpClientTesting()],
    }).compileComponents();
    http = TestBed.inject(HttpTestingController);
  });

  it('lists the asset directories from the feed API', async () => {
    const fixture = TestBed.createComponent(App);
    http.expectOne('/api/management/feeds/list').flush([
      {
        name: 'installers',
        feedType: 'asset',
        description: 'setup files',
        active: true,
        retentionRules: [],
        retentionRulesEnabled: false,
      },
    ]);
    await fixture.whenStable();
    fixture.detectChanges();
    const link = fixture.nativeElement.querySelector('li a') as HTMLAnchorElement;
    expect(link.textContent?.trim()).toBe('installers');
    expect(link.getAttribute('href')).toBe('/endpoints/installers/dir/');
  });

  it('shows the API error message', async () => {
    const fixture = TestBed.createComponent(App);
    http
      .expectOne('/api/management/feeds/list')
      .flush({ code: 'internal', message: 'boom' }, { status: 500, statusText: 'Error' });
    await fixture.whenStable();
    fixture.detectChanges();
    expect(fixture.nativeElement.querySelector('[role=alert]').textContent).toContain('boom');
  });
});
