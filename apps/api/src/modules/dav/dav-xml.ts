import { ErrorCode } from '@stockroom/contracts';
import { SaxesParser } from 'saxes';
import { AppError } from '../../common/errors/app-error';

/**
 * WebDAV's XML, both ways, in one place. Request bodies are parsed with saxes (namespace-aware, no
 * DTD processing): a DOCTYPE is refused outright, so no entity (external or billion-laughs) is ever
 * defined, let alone expanded. Responses are written as text with every value escaped.
 */

export const DAV_NS = 'DAV:';
export const OC_NS = 'http://owncloud.org/ns';

/** An element of a parsed body: its namespace URI and local name, attributes, children and text. */
export interface XmlElement {
  ns: string;
  local: string;
  attrs: { ns: string; local: string; value: string }[];
  children: XmlElement[];
  /** The element's own text (concatenated). */
  text: string;
  /** Text and elements in document order, for re-serialising a dead property's value. */
  content: (XmlElement | string)[];
}

export function badXml(message: string): AppError {
  return new AppError(ErrorCode.BadRequest, message);
}

/** Parses a request body; 400 for anything that is not well-formed, namespace-valid XML without a DOCTYPE. */
export function parseXml(body: string): XmlElement {
  const parser = new SaxesParser({ xmlns: true, position: false });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let failure: string | undefined;
  parser.on('error', (e) => {
    failure ??= e.message;
  });
  parser.on('doctype', () => {
    failure ??= 'A DOCTYPE is not accepted in WebDAV request bodies.';
  });
  parser.on('opentag', (tag) => {
    const attrs = Object.values(tag.attributes)
      .filter((a) => a.prefix !== 'xmlns' && a.name !== 'xmlns')
      .map((a) => ({ ns: a.uri, local: a.local, value: a.value }));
    const el: XmlElement = {
      ns: tag.uri ?? '',
      local: tag.local ?? tag.name,
      attrs,
      children: [],
      text: '',
      content: [],
    };
    const parent = stack[stack.length - 1];
    if (parent) {
      parent.children.push(el);
      parent.content.push(el);
    } else root ??= el;
    stack.push(el);
  });
  const onText = (t: string) => {
    const top = stack[stack.length - 1];
    if (!top) return;
    top.text += t;
    top.content.push(t);
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => void stack.pop());
  try {
    parser.write(body);
    if (failure === undefined) parser.close();
  } catch (e) {
    failure ??= (e as Error).message;
  }
  if (failure !== undefined) throw badXml(`The request body is not acceptable XML: ${failure}`);
  if (!root) throw badXml('The request body holds no XML element.');
  return root;
}

export function child(el: XmlElement, ns: string, local: string): XmlElement | undefined {
  return el.children.find((c) => c.ns === ns && c.local === local);
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

export function escapeXml(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return s; // most names: nothing to do (listings of 100k entries)
  // Characters XML 1.0 cannot carry at all are dropped rather than sent as broken XML.
  // eslint-disable-next-line no-control-regex
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '');
}

/**
 * An element's content as XML text that stands on its own: each child element declares its own
 * default namespace, so the value can be written back inside any other element.
 */
export function innerXml(el: XmlElement): string {
  return el.content.map((c) => (typeof c === 'string' ? escapeXml(c) : outerXml(c, null))).join('');
}

function outerXml(el: XmlElement, parentNs: string | null): string {
  let attrs = el.ns === parentNs ? '' : ` xmlns="${escapeXml(el.ns)}"`;
  el.attrs.forEach((a, i) => {
    attrs += a.ns
      ? ` xmlns:a${i}="${escapeXml(a.ns)}" a${i}:${a.local}="${escapeXml(a.value)}"`
      : ` ${a.local}="${escapeXml(a.value)}"`;
  });
  const inner = el.content.map((c) => (typeof c === 'string' ? escapeXml(c) : outerXml(c, el.ns))).join('');
  return inner === '' ? `<${el.local}${attrs}/>` : `<${el.local}${attrs}>${inner}</${el.local}>`;
}

/** A property name: namespace URI and local name. */
export interface PropName {
  ns: string;
  local: string;
}

/** `<D:x>` for DAV: and oc: names, else the element with its own namespace declaration. */
export function propElement(name: PropName, inner: string | null): string {
  let open: string;
  let close: string;
  if (name.ns === DAV_NS) {
    open = `D:${name.local}`;
    close = open;
  } else if (name.ns === OC_NS) {
    open = `oc:${name.local}`;
    close = open;
  } else if (name.ns === '') {
    // No namespace: the document's default namespace is none (every DAV: element is prefixed).
    open = name.local;
    close = open;
  } else {
    open = `x:${name.local} xmlns:x="${escapeXml(name.ns)}"`;
    close = `x:${name.local}`;
  }
  return inner === null || inner === '' ? `<${open}/>` : `<${open}>${inner}</${close}>`;
}

export const XML_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n';
export const MULTISTATUS_OPEN = `${XML_HEAD}<D:multistatus xmlns:D="DAV:" xmlns:oc="${OC_NS}">\n`;
export const MULTISTATUS_CLOSE = '</D:multistatus>\n';

/** `<D:error>` with one precondition element (RFC 4918 §16). */
export function davErrorXml(condition: string): string {
  return `${XML_HEAD}<D:error xmlns:D="DAV:"><D:${condition}/></D:error>\n`;
}

const REASONS: Record<number, string> = {
  200: 'OK',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  412: 'Precondition Failed',
  423: 'Locked',
  424: 'Failed Dependency',
  507: 'Insufficient Storage',
};

export function statusLine(status: number): string {
  return `<D:status>HTTP/1.1 ${status} ${REASONS[status] ?? ''}</D:status>`;
}

/** One `<D:response>` of a multistatus, its properties grouped by status. */
export function responseXml(href: string, groups: Map<number, string[]>): string {
  let out = `<D:response><D:href>${escapeXml(href)}</D:href>`;
  for (const [status, props] of groups) {
    if (props.length === 0) continue;
    out += `<D:propstat><D:prop>${props.join('')}</D:prop>${statusLine(status)}</D:propstat>`;
  }
  return `${out}</D:response>\n`;
}
