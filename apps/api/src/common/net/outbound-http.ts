import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { isOutboundDenied, type OutboundAgents, OutboundPolicy } from './outbound-policy';

/** One request to an address a user configured (an upstream, a replication remote, a webhook receiver). */
export interface OutboundRequest {
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  url: string | URL;
  headers?: OutgoingHttpHeaders;
  /** Sent as is; a stream is piped (and must not be reused on a redirect: redirects only follow GET and HEAD). */
  body?: Buffer | string | Readable;
  /** Fails when connecting, or when the answer stalls for this long between bytes (headers and body). */
  timeoutMs: number;
  /** GET and HEAD only: how many redirects to follow (default 0: a 3xx is returned as it is). */
  maxRedirects?: number;
  signal?: AbortSignal;
}

/** The answer; `body` must be consumed or destroyed. `url` is the last URL asked (after redirects). */
export interface OutboundResponse {
  status: number;
  headers: IncomingHttpHeaders;
  url: string;
  body: IncomingMessage;
}

export type OutboundFailure = 'denied' | 'timeout' | 'network' | 'redirect' | 'aborted';

/** A request that got no HTTP answer. `message` names the host and the reason, never credentials. */
export class OutboundRequestError extends Error {
  constructor(
    readonly kind: OutboundFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OutboundRequestError';
  }
}

/**
 * The one HTTP client for addresses users configure. Every connection goes through the
 * {@link OutboundPolicy} (STOCKROOM_OUTBOUND_ALLOW, checked on the resolved address as the socket
 * opens). A redirect to the same origin as the request follows under the same policy; one to any
 * other origin only under {@link OutboundPolicy.publicOnly} (an upstream cannot bounce the server to
 * an internal address its administrator did not configure). Credentials are dropped when a
 * redirect leaves the origin.
 */
export class OutboundHttp {
  private readonly agents: OutboundAgents;
  private readonly publicAgents: OutboundAgents;
  private publicClient?: OutboundHttp;

  constructor(readonly policy: OutboundPolicy) {
    this.agents = policy.createAgents();
    this.publicAgents = policy.publicOnly().createAgents();
  }

  /** This client, refusing internal addresses too (for URLs saved without Administer). */
  publicOnly(): OutboundHttp {
    this.publicClient ??= new OutboundHttp(this.policy.publicOnly());
    return this.publicClient;
  }

  async request(req: OutboundRequest): Promise<OutboundResponse> {
    const method = req.method ?? 'GET';
    const origin = new URL(req.url).origin;
    let url = new URL(req.url);
    let headers = { ...req.headers };
    const redirects = method === 'GET' || method === 'HEAD' ? (req.maxRedirects ?? 0) : 0;
    for (let hop = 0; ; hop++) {
      const sameOrigin = url.origin === origin;
      const response = await this.send(method, url, headers, req, sameOrigin ? this.agents : this.publicAgents);
      const location = response.headers.location;
      if (response.status < 300 || response.status >= 400 || response.status === 304 || !location || hop >= redirects) {
        return response;
      }
      response.body.resume();
      const next = new URL(location, url);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw new OutboundRequestError('redirect', `${url.host} redirected to a ${next.protocol} address`);
      }
      if (next.origin !== url.origin) headers = withoutCredentials(headers);
      url = next;
    }
  }

  /** Closes idle keep-alive connections (on shutdown). */
  destroy(): void {
    for (const a of [this.agents, this.publicAgents]) {
      a.http.destroy();
      a.https.destroy();
    }
    this.publicClient?.destroy();
  }

  private send(
    method: string,
    url: URL,
    headers: OutgoingHttpHeaders,
    req: OutboundRequest,
    agents: OutboundAgents,
  ): Promise<OutboundResponse> {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return Promise.reject(new OutboundRequestError('network', `${url.protocol} addresses are not supported`));
    }
    const https = url.protocol === 'https:';
    const auth = url.username ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined;
    const target = new URL(url);
    target.username = '';
    target.password = '';
    return new Promise<OutboundResponse>((resolve, reject) => {
      const outgoing = (https ? httpsRequest : httpRequest)(target, {
        method,
        headers,
        auth,
        agent: https ? agents.https : agents.http,
        signal: req.signal,
      });
      let answered = false;
      outgoing.setTimeout(req.timeoutMs, () =>
        outgoing.destroy(
          new OutboundRequestError(
            'timeout',
            `${url.host} did not answer within ${Math.round(req.timeoutMs / 1000)} s`,
          ),
        ),
      );
      outgoing.on('response', (incoming) => {
        answered = true;
        // The idle timeout keeps running while the body streams: a stall mid-body fails the body.
        resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, url: url.href, body: incoming });
      });
      outgoing.on('error', (e) => {
        if (!answered) reject(describe(e, url));
      });
      if (req.body instanceof Readable) req.body.pipe(outgoing);
      else outgoing.end(req.body);
    });
  }
}

function withoutCredentials(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  const kept: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!['authorization', 'x-apikey', 'cookie'].includes(name.toLowerCase())) kept[name] = value;
  }
  return kept;
}

function describe(e: unknown, url: URL): OutboundRequestError {
  if (e instanceof OutboundRequestError) return e;
  if (isOutboundDenied(e)) {
    return new OutboundRequestError('denied', `${url.hostname} is not an allowed address (STOCKROOM_OUTBOUND_ALLOW)`, {
      cause: e,
    });
  }
  const err = e as { name?: string; code?: string; message?: string };
  if (err.name === 'AbortError') return new OutboundRequestError('aborted', `the request to ${url.host} was aborted`);
  const reason = err.code ?? err.message ?? 'connection failed';
  return new OutboundRequestError('network', `${url.host} could not be reached (${reason})`, { cause: e });
}
