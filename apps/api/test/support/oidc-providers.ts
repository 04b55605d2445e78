import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { killOnExit, waitForLine } from '@stockroom/storage/testing';
import { CookieJar } from 'tough-cookie';

const SCRIPT = resolve(__dirname, 'oidc-provider.mjs');

/** The identity providers of oidc-provider.mjs (a real one and a fake one for token faults). */
export interface OidcProviders {
  /** The real provider's issuer, e.g. http://localhost:41234 */
  real: string;
  /** The fake provider's issuer (faults only). */
  fake: string;
  clientId: string;
  clientSecret: string;
  /** Changes an account's claims at the real provider. */
  setAccount(id: string, claims: Record<string, unknown>): Promise<void>;
  /** The fault the fake provider's next ID tokens have: none, audience, expired, signature, kid. */
  setFault(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts oidc-provider.mjs (ESM: its own process) for a Stockroom whose base URL is `stockroomBaseUrl`. */
export async function startOidcProviders(stockroomBaseUrl: string): Promise<OidcProviders> {
  const child = spawn(process.execPath, [SCRIPT, stockroomBaseUrl], {
    cwd: join(__dirname, '..', '..', '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  killOnExit(child);
  const ready = waitForLine(child, /^Fake IdP at (http:\/\/localhost:\d+)/, {
    timeoutMs: 30_000,
    what: 'The OIDC provider',
  });
  const [, fake] = await ready.match;
  const real = /OIDC provider at (http:\/\/localhost:\d+)/.exec(ready.output())?.[1];
  if (!real) throw new Error(`No provider URL in:\n${ready.output()}`);
  const post = async (url: string, body?: unknown) => {
    const res = await fetch(url, { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body) });
    if (res.status !== 200) throw new Error(`POST ${url}: ${res.status} ${await res.text()}`);
  };
  return {
    real,
    fake,
    clientId: 'stockroom',
    clientSecret: 'stockroom-secret',
    setAccount: (id, claims) => post(`${real}/_test/accounts/${encodeURIComponent(id)}`, claims),
    setFault: (name) => post(`${fake}/_test/fault?name=${encodeURIComponent(name)}`),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A port nobody listens on right now (Stockroom's base URL must be known before it starts). */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

export interface BrowserResponse {
  status: number;
  location?: string;
  text: string;
  url: string;
}

/**
 * A browser, by hand: a cookie jar, `Accept: text/html`, and redirects followed one at a time (so a
 * test can stop at the callback and change what it carries).
 */
export class PlainBrowser {
  readonly jar = new CookieJar();

  async request(
    url: string,
    init: { method?: string; form?: Record<string, string>; accept?: string; cookie?: string } = {},
  ): Promise<BrowserResponse> {
    const headers: Record<string, string> = { Accept: init.accept ?? 'text/html,application/xhtml+xml,*/*;q=0.8' };
    const cookie = init.cookie ?? (await this.jar.getCookieString(url));
    if (cookie) headers['Cookie'] = cookie;
    let body: string | undefined;
    if (init.form) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(url, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) await this.jar.setCookie(line, url, { ignoreError: true });
    const location = res.headers.get('location');
    return {
      status: res.status,
      location: location === null ? undefined : new URL(location, url).href,
      text: await res.text(),
      url,
    };
  }

  /** Follows redirects from `url` until a page answers, or until a URL for which `stop` says so. */
  async follow(url: string, stop: (url: string) => boolean = () => false): Promise<BrowserResponse> {
    let res = await this.request(url);
    for (let i = 0; i < 20 && res.location && !stop(res.location); i++) res = await this.request(res.location);
    return res;
  }

  /** Submits the page's first POST form with these fields (the hidden ones it has are kept). */
  async submit(page: BrowserResponse, fields: Record<string, string>): Promise<BrowserResponse> {
    const form = /<form[^>]*action="([^"]*)"[^>]*method="post"[^>]*>([\s\S]*?)<\/form>/i.exec(page.text);
    if (!form) throw new Error(`No form on ${page.url} (${page.status}):\n${page.text.slice(0, 2000)}`);
    const values: Record<string, string> = {};
    for (const input of form[2].matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]*)"[^>]*value="([^"]*)"/g)) {
      values[input[1]] = input[2];
    }
    const action = new URL(form[1].replace(/&amp;/g, '&'), page.url).href;
    return this.request(action, { form: { ...values, ...fields } });
  }
}
