import { request as httpRequest, IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { Readable } from 'node:stream';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

/**
 * An HTTP request whose path is sent byte for byte (fetch would normalise `..`, `%2e%2e` and
 * friends away, hiding exactly what hostile clients send).
 */
export function raw(
  target: string | { url: string; adminAuth: string },
  method: string,
  path: string,
  options: {
    headers?: Record<string, string | number>;
    body?: Buffer | string | Readable;
    /** The client's own address, e.g. 127.0.0.2: Linux routes all of 127/8 to the loopback. */
    localAddress?: string;
  } = {},
): Promise<RawResponse> {
  // Given a test app rather than a bare URL: act as its Admin unless credentials are given.
  let headers = options.headers;
  if (typeof target !== 'string') {
    const own = Object.keys(headers ?? {}).some((h) => /^(authorization|x-apikey|x-proget-apikey|cookie)$/i.test(h));
    if (!own) headers = { ...headers, Authorization: target.adminAuth };
  }
  const { hostname, port } = new URL(typeof target === 'string' ? target : target.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: hostname, port, method, path, headers, localAddress: options.localAddress },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    const { body } = options;
    if (body instanceof Readable) body.pipe(req);
    else req.end(body);
  });
}

/**
 * Sends `head` and `body`, reads until `readBytes` bytes of answer came back (0: none), then cuts
 * the connection: a client that goes away mid-request.
 */
export function cutAfter(port: number, head: string, body: Buffer, readBytes: number): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = 0;
    const cut = () => {
      clearTimeout(bound);
      socket.destroy();
      resolve(received);
    };
    socket.on('error', () => resolve(received));
    socket.on('data', (d: Buffer) => {
      received += d.length;
      if (readBytes > 0 && received >= readBytes) cut();
    });
    socket.on('connect', () => {
      socket.write(head);
      if (body.length > 0) socket.write(body, () => (readBytes === 0 ? setTimeout(cut, 300) : undefined));
    });
    const bound = setTimeout(cut, 20_000);
  });
}
