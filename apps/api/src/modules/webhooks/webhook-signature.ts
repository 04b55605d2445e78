import { createHmac } from 'node:crypto';

/**
 * `X-Stockroom-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)>` — the time is
 * signed with the body so that a receiver can refuse old replays.
 */
export function webhookSignature(secret: string, unixSeconds: number, body: string): string {
  const v1 = createHmac('sha256', secret).update(`${unixSeconds}.${body}`, 'utf8').digest('hex');
  return `t=${unixSeconds},v1=${v1}`;
}
