import { Transform } from 'node:stream';

/** Up to this much JSON leaves as one chunk (one write to the response, and to its compressor). */
const CHUNK_CHARS = 64 * 1024;

/**
 * An object stream written as one JSON array, item by item as they come (`[`, items joined by `,`,
 * `]`; `[]` when there are none): a listing of 100k items never sits in memory as one string.
 *
 * Items that arrive together (a database cursor hands over its rows in batches) leave as one
 * chunk of up to 64 KiB — one write to the response and to its compressor per batch rather than
 * per item — and nothing waits longer than the current turn of the event loop: a batch is sent
 * once no more items came with it. Backpressure holds: a full chunk is pushed from `transform`.
 */
export function jsonArray<T>(toJson: (item: T) => unknown): Transform {
  let first = true;
  let pending = '';
  let scheduled = false;
  const out = new Transform({
    writableObjectMode: true,
    transform(item: T, _encoding, done) {
      pending += (first ? '[' : ',') + JSON.stringify(toJson(item));
      first = false;
      if (pending.length >= CHUNK_CHARS) {
        const text = pending;
        pending = '';
        done(null, text);
        return;
      }
      if (!scheduled) {
        scheduled = true;
        setImmediate(sendPending);
      }
      done();
    },
    flush(done) {
      const text = pending + (first ? '[]' : ']');
      pending = '';
      done(null, text);
    },
  });
  function sendPending(): void {
    scheduled = false;
    if (pending === '' || out.destroyed) return;
    const text = pending;
    pending = '';
    out.push(text);
  }
  return out;
}
