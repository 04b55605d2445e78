import { badRequest } from '../../common/errors/app-error';

/** One condition of an `If` list: a state token or an entity tag, maybe negated. */
export interface IfCondition {
  not: boolean;
  token?: string;
  /** As sent, quotes included (`"abc"`, `W/"abc"`). */
  etag?: string;
}

/** A parenthesised list; `resource` is the tag it follows (absent: the request URI). */
export interface IfList {
  resource?: string;
  conditions: IfCondition[];
}

/** Parses an `If` header (RFC 4918 §10.4): tagged and untagged lists, `Not`, ETags in brackets. 400 if malformed. */
export function parseIfHeader(header: string): IfList[] {
  const lists: IfList[] = [];
  let i = 0;
  let resource: string | undefined;
  let tagged: boolean | undefined;
  const fail = (why: string) => badRequest(`Malformed If header: ${why}.`);
  const skip = () => {
    while (i < header.length && /\s/.test(header[i])) i++;
  };
  const until = (close: string) => {
    const end = header.indexOf(close, i);
    if (end < 0) throw fail(`missing "${close}"`);
    const value = header.slice(i, end);
    i = end + 1;
    return value;
  };
  skip();
  if (i >= header.length) throw fail('empty');
  while (i < header.length) {
    if (header[i] === '<') {
      if (tagged === false) throw fail('tagged and untagged lists mixed');
      tagged = true;
      i++;
      resource = until('>');
    } else if (header[i] === '(') {
      if (tagged === undefined) tagged = false;
      i++;
      const conditions: IfCondition[] = [];
      for (;;) {
        skip();
        if (header[i] === ')') {
          i++;
          break;
        }
        let not = false;
        if (header.slice(i, i + 3).toLowerCase() === 'not') {
          not = true;
          i += 3;
          skip();
        }
        if (header[i] === '<') {
          i++;
          conditions.push({ not, token: until('>') });
        } else if (header[i] === '[') {
          i++;
          conditions.push({ not, etag: until(']').trim() });
        } else throw fail('expected a state token <…> or an entity tag […]');
      }
      if (conditions.length === 0) throw fail('empty list');
      lists.push({ resource, conditions });
    } else throw fail(`unexpected "${header[i]}"`);
    skip();
  }
  if (lists.length === 0) throw fail('no list');
  return lists;
}

/** Every state token an `If` header submits (not negated): the lock tokens the client holds. */
export function submittedTokens(lists: readonly IfList[]): Set<string> {
  const tokens = new Set<string>();
  for (const l of lists) for (const c of l.conditions) if (c.token && !c.not) tokens.add(c.token);
  return tokens;
}
