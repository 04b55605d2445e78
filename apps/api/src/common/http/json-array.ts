import { Transform } from 'node:stream';

/**
 * An object stream written as one JSON array, item by item as they come (`[`, items joined by `,`,
 * `]`; `[]` when there are none): a listing of 100k items never sits in memory as one string.
 */
export function jsonArray<T>(toJson: (item: T) => unknown): Transform {
  let first = true;
  return new Transform({
    writableObjectMode: true,
    transform(item: T, _encoding, done) {
      const prefix = first ? '[' : ',';
      first = false;
      done(null, prefix + JSON.stringify(toJson(item)));
    },
    flush(done) {
      done(null, first ? '[]' : ']');
    },
  });
}
