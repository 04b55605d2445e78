import { type ApplicationConfig, provideBrowserGlobalErrorListeners } from '@angular/core';
import { provideHttpClient, withFetch, withInterceptors, withXsrfConfiguration } from '@angular/common/http';
import { UrlSerializer, provideRouter, withComponentInputBinding, withRouterConfig } from '@angular/router';
import { appRoutes } from './app.routes';
import { PathUrlSerializer } from './core/routing/path-url-serializer';
import { requestedWithInterceptor } from './core/http/requested-with-interceptor';
import { unauthorizedInterceptor } from './core/http/unauthorized-interceptor';

export const appConfig: ApplicationConfig = {
  providers: [
    provideBrowserGlobalErrorListeners(),
    provideRouter(
      appRoutes,
      withComponentInputBinding(),
      // A back/forward that a guard cancels (unsaved retention rules) returns to the same place in the
      // history; the default ('replace') overwrote the previous entry with the current URL.
      withRouterConfig({ canceledNavigationResolution: 'computed' }),
    ),
    { provide: UrlSerializer, useClass: PathUrlSerializer },
    provideHttpClient(
      withFetch(),
      // Echoes the XSRF-TOKEN cookie in X-XSRF-TOKEN on same-origin non-GET requests (the defaults,
      // spelled out: the server requires it from session cookies).
      withXsrfConfiguration({ cookieName: 'XSRF-TOKEN', headerName: 'X-XSRF-TOKEN' }),
      withInterceptors([requestedWithInterceptor, unauthorizedInterceptor]),
    ),
  ],
};
