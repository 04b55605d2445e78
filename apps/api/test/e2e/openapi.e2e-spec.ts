import type { Express } from 'express';
import { ENDPOINT_OPERATIONS } from '../../src/modules/assets/endpoints.controller';
import { raw } from '../support/http';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * The OpenAPI document (issue 15) as a client fetches it: well-formed OpenAPI 3 whose every $ref
 * resolves, and describing exactly the routes the running server serves — Nest's routes from the
 * app's own Express router, and the asset API's operations (one catch-all handler) by asking the
 * server itself which methods each operation answers.
 */

type Json = Record<string, unknown>;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
/** The documentation's own routes: served, deliberately not in the document they serve. */
const DOCS_ROUTES = ['GET /api/openapi.json', 'GET /api/docs', 'GET /api/docs/:file'];
const FEED = 'described';

describe('OpenAPI document', () => {
  let t: TestApp;
  let doc: Json;

  beforeAll(async () => {
    t = await startTestApp();
    const created = await raw(t, 'POST', '/api/management/feeds/create', {
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: FEED, feedType: 'asset' }),
    });
    expect(created.status).toBe(200);
    // No credentials: the document is public.
    const res = await raw(t.url, 'GET', '/api/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    doc = JSON.parse(res.text) as Json;
  }, 60_000);

  afterAll(() => t?.close());

  const paths = () => doc['paths'] as Record<string, Record<string, Json>>;

  /** `METHOD /path/{param}` for every operation of the document. */
  function documented(): string[] {
    return Object.entries(paths()).flatMap(([path, item]) =>
      METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path}`),
    );
  }

  /** Nest's routes, from the running app's router, in the document's notation. */
  function served(): string[] {
    const express = t.app.getHttpAdapter().getInstance() as Express & {
      router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
    };
    const routes: string[] = [];
    for (const layer of express.router.stack) {
      if (!layer.route) continue;
      const methods = Object.keys(layer.route.methods).filter((m) => m !== '_all');
      const all = methods.length > 10 || Object.keys(layer.route.methods).includes('_all');
      for (const verb of all ? ['ALL'] : methods.map((m) => m.toUpperCase())) {
        routes.push(`${verb} ${layer.route.path}`);
      }
    }
    return routes;
  }

  it('is well-formed OpenAPI 3', () => {
    expect(doc['openapi']).toMatch(/^3\.\d+\.\d+$/);
    const info = doc['info'] as Json;
    expect(info['title']).toBe('Stockroom');
    expect(typeof info['version']).toBe('string');
    const problems: string[] = [];
    const operationIds = new Set<string>();
    const schemes = Object.keys(((doc['components'] as Json)['securitySchemes'] ?? {}) as Json);
    expect(schemes.sort()).toEqual(['apiKey', 'basic', 'csrf', 'session']);
    for (const [path, item] of Object.entries(paths())) {
      if (!path.startsWith('/')) problems.push(`${path}: a path must start with /`);
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const method of Object.keys(item)) {
        if (method === 'parameters' || method === 'summary' || method === 'description') continue;
        if (!METHODS.includes(method)) {
          problems.push(`${path}: unknown key ${method}`);
          continue;
        }
        const op = item[method];
        const where = `${method.toUpperCase()} ${path}`;
        const id = op['operationId'] as string | undefined;
        if (!id) problems.push(`${where}: no operationId`);
        else if (operationIds.has(id)) problems.push(`${where}: duplicate operationId ${id}`);
        else operationIds.add(id);
        const responses = (op['responses'] ?? {}) as Json;
        if (Object.keys(responses).length === 0) problems.push(`${where}: no responses`);
        for (const [status, response] of Object.entries(responses)) {
          if (!/^([1-5]\d\d|[1-5]XX|default)$/.test(status)) problems.push(`${where}: bad status ${status}`);
          if (typeof (response as Json)['description'] !== 'string')
            problems.push(`${where} ${status}: no description`);
        }
        const params = [...((item['parameters'] ?? []) as unknown as Json[]), ...((op['parameters'] ?? []) as Json[])];
        for (const p of params) {
          if (!['path', 'query', 'header', 'cookie'].includes(p['in'] as string)) {
            problems.push(`${where}: parameter ${String(p['name'])} in ${String(p['in'])}`);
          }
          if (p['in'] === 'path' && p['required'] !== true) problems.push(`${where}: path parameter not required`);
        }
        const inPath = params.filter((p) => p['in'] === 'path').map((p) => p['name']);
        for (const name of templated) if (!inPath.includes(name)) problems.push(`${where}: {${name}} not declared`);
        for (const name of inPath)
          if (!templated.includes(name as string)) problems.push(`${where}: ${name} not in path`);
        for (const requirement of (op['security'] ?? []) as Json[]) {
          for (const scheme of Object.keys(requirement)) {
            if (!schemes.includes(scheme)) problems.push(`${where}: unknown security scheme ${scheme}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(operationIds.size).toBeGreaterThan(50);
  });

  it('resolves every $ref', () => {
    const unresolved: string[] = [];
    let refs = 0;
    const resolve = (ref: string): unknown =>
      ref
        .replace(/^#\//, '')
        .split('/')
        .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
        .reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Json)[key] : undefined), doc);
    const walk = (node: unknown, at: string): void => {
      if (Array.isArray(node)) node.forEach((n, i) => walk(n, `${at}/${i}`));
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === '$ref') {
            refs++;
            if (typeof value !== 'string' || !value.startsWith('#/') || resolve(value) === undefined) {
              unresolved.push(`${at}: ${String(value)}`);
            }
          } else walk(value, `${at}/${key}`);
        }
      }
    };
    walk(doc, '#');
    expect(unresolved).toEqual([]);
    expect(refs).toBeGreaterThan(50);
  });

  it('describes request bodies from the DTOs and responses from the contracts', () => {
    const create = paths()['/api/security/users']['post'];
    const body = ((create['requestBody'] as Json)['content'] as Json)['application/json'] as Json;
    const dto = ((doc['components'] as Json)['schemas'] as Json)[
      String((body['schema'] as Json)['$ref'])
        .split('/')
        .pop() as string
    ] as Json;
    expect(dto['required']).toEqual(['userName', 'password']);
    expect(Object.keys(dto['properties'] as Json)).toEqual(
      expect.arrayContaining(['userName', 'password', 'displayName', 'email', 'enabled', 'groups']),
    );
    const created = ((create['responses'] as Json)['201'] as Json)['content'] as Json;
    expect((created['application/json'] as Json)['schema']).toEqual({ $ref: '#/components/schemas/User' });
    const listing = paths()['/endpoints/{directory}/dir/{path}']['get'];
    expect(JSON.stringify(listing['responses'])).toContain('#/components/schemas/AssetItem');
    // Security follows the route's access rule: login is public, the users API needs credentials.
    expect(paths()['/api/security/login']['post']['security']).toEqual([]);
    expect(create['security']).toEqual([{ apiKey: [] }, { basic: [] }, { session: [], csrf: [] }]);
  });

  it('documents every /api route the server serves, and no route it does not serve', () => {
    const toDoc = (route: string) => route.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const servedApi = served()
      .filter((r) => r.split(' ')[1].startsWith('/api/') && !DOCS_ROUTES.includes(r))
      .map(toDoc);
    const documentedApi = documented().filter((r) => r.split(' ')[1].startsWith('/api/'));
    expect(servedApi.length).toBeGreaterThan(40);
    expect({ missing: servedApi.filter((r) => !documentedApi.includes(r)) }).toEqual({ missing: [] });
    expect({ notServed: documentedApi.filter((r) => !servedApi.includes(r)) }).toEqual({ notServed: [] });
    expect(served()).toEqual(expect.arrayContaining(DOCS_ROUTES));
  });

  it('documents exactly the asset API operations and methods the server answers', async () => {
    // One handler serves them all: the router shows it, the controller's table names the operations.
    expect(served()).toContain('ALL /endpoints/*rest');
    const byOperation = new Map<string, string[]>();
    for (const route of documented().filter((r) => r.includes(' /endpoints/'))) {
      const [method, path] = route.split(' ');
      const match = /^\/endpoints\/\{directory\}\/([a-z]+)\/\{path\}$/.exec(path);
      expect([route, match !== null]).toEqual([route, true]);
      const op = (match as RegExpExecArray)[1];
      byOperation.set(op, [...(byOperation.get(op) ?? []), method]);
    }
    expect([...byOperation.keys()].sort()).toEqual([...ENDPOINT_OPERATIONS].sort());

    // Ask the server: a documented method must not be refused as not allowed, any other must be.
    const wrong: string[] = [];
    let n = 0;
    for (const op of ENDPOINT_OPERATIONS) {
      for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']) {
        const path = `/endpoints/${FEED}/${op}/probe-${++n}${op === 'export' || op === 'dir' ? '' : '.txt'}`;
        const res = await raw(t, method, path);
        const isDocumented = byOperation.get(op)?.includes(method) ?? false;
        if ((res.status === 405) === isDocumented) {
          wrong.push(
            `${method} ${op}: ${res.status} ${res.text.slice(0, 100)}, ${isDocumented ? 'documented' : 'not documented'}`,
          );
        }
      }
    }
    expect(wrong).toEqual([]);
  }, 60_000);

  it('serves swagger-ui at /api/docs under its own Content-Security-Policy, with no inline script', async () => {
    const page = await raw(t.url, 'GET', '/api/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("'unsafe-eval'");
    expect(csp).not.toContain("'unsafe-inline'");
    expect(csp).toContain("connect-src 'self'");
    // Every script is a file of this origin.
    const scripts = [...page.text.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/src="docs\/[a-z0-9.-]+\.js"/);
      expect(body.trim()).toBe('');
    }
    const srcs = [...page.text.matchAll(/(?:src|href)="(docs\/[^"]+)"/g)].map((m) => m[1]);
    for (const src of srcs) {
      const asset = await raw(t.url, 'GET', `/api/${src}`);
      expect([src, asset.status]).toEqual([src, 200]);
      expect(asset.body.length).toBeGreaterThan(0);
    }
    // The console keeps its own policy; other files of swagger-ui-dist are not served.
    expect(String((await raw(t.url, 'GET', '/api/security/me')).headers['content-security-policy'])).not.toBe(csp);
    expect((await raw(t.url, 'GET', '/api/docs/index.html')).status).toBe(404);
    expect((await raw(t.url, 'GET', '/api/docs/')).status).toBe(301);
  });
});
