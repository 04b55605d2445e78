import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

/*
 * The plain HTML listing of a folder that browsers and mirroring tools read (`GET` of a collection under
 * /dav/, a shared folder under /s/): no script, no outside resource, links relative to the page so that
 * `wget -r -np` and rclone's http backend can follow them. The page's URL must end in '/'.
 */

/** One line of an index. */
export interface IndexEntry {
  name: string;
  folder: boolean;
  size?: number | null;
  /** ISO-8601. */
  modified?: string | null;
}

/**
 * Scripts, frames, forms and every outside resource are refused; only the page's own inline style applies.
 * `no-referrer`: a page under a share link must not hand its token to whatever a user opens next.
 */
const INDEX_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function setHtmlIndexHeaders(res: ServerResponse): void {
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Security-Policy', INDEX_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-store');
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 1536 → "1.5 KiB"; the exact byte count goes in the cell's title. */
function humanSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

function row(entry: IndexEntry): string {
  const name = entry.folder ? `${entry.name}/` : entry.name;
  // A name such as "a:b" would read as a URL scheme: "./" keeps every link relative.
  const href = `./${encodeURIComponent(entry.name)}${entry.folder ? '/' : ''}`;
  const size =
    entry.folder || entry.size === null || entry.size === undefined
      ? '<td>—</td>'
      : `<td data-bytes="${entry.size}" title="${entry.size} bytes">${humanSize(entry.size)}</td>`;
  const modified = entry.modified
    ? `<td><time datetime="${escapeHtml(entry.modified)}">${escapeHtml(entry.modified.slice(0, 16).replace('T', ' '))} UTC</time></td>`
    : '<td></td>';
  return `<tr><td><a href="${escapeHtml(href)}">${escapeHtml(name)}</a></td>${size}${modified}</tr>\n`;
}

const STYLE =
  'body{font:14px/1.5 system-ui,sans-serif;margin:1.5rem;color:#1b1b1b}' +
  'table{border-collapse:collapse}th,td{padding:.2rem 1rem .2rem 0;text-align:left}' +
  'td:nth-child(2){text-align:right}th{border-bottom:1px solid #888}';

/** The page, streamed: a folder of 100,000 files is written as its rows arrive, in chunks of about 16 KiB. */
export function htmlIndex(page: { title: string; parent: boolean }, entries: AsyncIterable<IndexEntry>): Readable {
  const title = escapeHtml(page.title);
  async function* render(): AsyncGenerator<string> {
    let chunk =
      `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n` +
      `<meta name="viewport" content="width=device-width, initial-scale=1">\n` +
      `<title>Index of ${title}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n<main>\n` +
      `<h1>Index of ${title}</h1>\n<table>\n<caption>Files and folders in ${title}</caption>\n` +
      `<thead><tr><th scope="col">Name</th><th scope="col">Size</th><th scope="col">Modified</th></tr></thead>\n<tbody>\n`;
    if (page.parent) chunk += '<tr><td><a href="../">Parent folder</a></td><td></td><td></td></tr>\n';
    for await (const entry of entries) {
      chunk += row(entry);
      if (chunk.length >= 16384) {
        yield chunk;
        chunk = '';
      }
    }
    yield `${chunk}</tbody>\n</table>\n</main>\n</body>\n</html>\n`;
  }
  return Readable.from(render(), { objectMode: false });
}
