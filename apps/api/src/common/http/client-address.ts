import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

const trustAll = () => true;
const trustNone = () => false;

/**
 * The caller's address: the socket's, or behind a trusted proxy the one it reports (X-Forwarded-For),
 * worked out as Express does for `req.ip` with `trust proxy` on; IPv4 without the IPv6 prefix.
 */
export function requestAddress(req: IncomingMessage, trustProxy: boolean): string {
  return proxyAddr(req, trustProxy ? trustAll : trustNone).replace(/^::ffff:/, '');
}
