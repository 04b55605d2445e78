import { request as httpRequest, IncomingHttpHeaders } from 'node:http';
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
  baseUrl: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string | number>; body?: Buffer | string | Readable } = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, method, path, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    const { body } = options;
    if (body instanceof Readable) body.pipe(req);
    else req.end(body);
  });
}
