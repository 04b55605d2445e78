import type { Route, UrlMatcher } from '@angular/router';
import { UrlSegment } from '@angular/router';
import { CONSOLE_ROOTS } from '@stockroom/contracts';
import { appRoutes } from './app.routes';

/**
 * The server answers index.html only for the paths in CONSOLE_ROOTS (@stockroom/contracts): a
 * console route outside the list would be a 404 on reload, a listed path without a route would
 * hide a server route. This keeps the route table and the list in step.
 */
describe('appRoutes and CONSOLE_ROOTS', () => {
  /** The top-level path segments of the route table ('' = `/`), and its URL matchers. */
  function topLevel(routes: Route[], found = { roots: new Set<string>(), matchers: [] as UrlMatcher[] }) {
    for (const route of routes) {
      if (route.matcher) found.matchers.push(route.matcher);
      else if (route.path === '' && route.children) topLevel(route.children, found);
      else if (route.path !== undefined && route.path !== '**') found.roots.add(route.path.split('/')[0]);
    }
    return found;
  }

  function segments(...paths: string[]): UrlSegment[] {
    return paths.map((p) => new UrlSegment(p, {}));
  }

  it('every top-level route is listed, and every listed path has a route', () => {
    const { roots, matchers } = topLevel(appRoutes);
    // Matchers (deep links into a directory) claim a listed first segment.
    for (const root of CONSOLE_ROOTS)
      if (matchers.some((m) => m(segments(root, 'x', 'browse', 'y'), {} as never, {} as Route))) roots.add(root);
    for (const root of CONSOLE_ROOTS)
      if (matchers.some((m) => m(segments(root, 'x', 'files', 'y'), {} as never, {} as Route))) roots.add(root);
    expect([...roots].filter((r) => r !== '').sort()).toEqual([...CONSOLE_ROOTS].sort());
    expect(roots.has('')).toBe(true);
  });

  it('no URL matcher accepts a path outside the list', () => {
    const { matchers } = topLevel(appRoutes);
    expect(matchers.length).toBeGreaterThan(0);
    for (const first of ['dav', 's', 'metrics', 'api', 'endpoints', 'x'])
      for (const area of ['browse', 'files', 'manage', 'x'])
        for (let n = 1; n <= 6; n++) {
          const rest = ['f', area, 'a', 'b', 'c'].slice(0, n - 1);
          for (const matcher of matchers)
            expect(matcher(segments(first, ...rest), {} as never, {} as Route)).toBeNull();
        }
  });
});
