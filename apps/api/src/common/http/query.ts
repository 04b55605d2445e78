import { ErrorCode } from '@stockroom/contracts';
import { AppError } from '../errors/app-error';

/**
 * Query strings as ProGet clients send them: names case-insensitive, order-free; booleans
 * lenient (a value starting with `true`, any case, is true: pgutil sends `true)`).
 */
export class Query {
  private readonly values = new Map<string, string>();

  constructor(search: string) {
    if (search === '') return; // most requests: nothing to parse
    for (const [name, value] of new URLSearchParams(search)) {
      const key = name.toLowerCase();
      if (!this.values.has(key)) this.values.set(key, value);
    }
  }

  static fromUrl(url: string): Query {
    const q = url.indexOf('?');
    return new Query(q < 0 ? '' : url.slice(q + 1));
  }

  get(name: string): string | undefined {
    return this.values.get(name.toLowerCase());
  }

  has(name: string): boolean {
    return this.values.has(name.toLowerCase());
  }

  bool(name: string): boolean {
    return /^true/i.test(this.get(name) ?? '');
  }

  /** An integer, undefined when absent; anything else is a 400 naming the parameter. */
  int(name: string): number | undefined {
    const raw = this.get(name);
    if (raw === undefined || raw === '') return undefined;
    if (!/^-?\d{1,15}$/.test(raw)) throw new AppError(ErrorCode.BadRequest, `"${name}" must be an integer.`);
    return Number(raw);
  }
}
