import { createHash, randomBytes } from 'node:crypto';
import * as yazl from 'yazl';
import type { TestApp } from './test-app';

export function sha1(data: Buffer | string): string {
  return createHash('sha1').update(data).digest('hex');
}

export function hashesOf(data: Buffer) {
  const h = (a: string) => createHash(a).update(data).digest('hex');
  return { md5: h('md5'), sha1: h('sha1'), sha256: h('sha256'), sha512: h('sha512') };
}

export function bytes(n: number): Buffer {
  return randomBytes(n);
}

export async function createFeed(t: TestApp, name: string): Promise<void> {
  const res = await fetch(`${t.url}/api/management/feeds/create`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: t.adminAuth },
    body: JSON.stringify({ name, feedType: 'asset' }),
  });
  if (res.status !== 200) throw new Error(`create feed ${name}: ${res.status} ${await res.text()}`);
}

/** fetch against the asset API of one directory, as Admin unless `init` brings its own credentials. */
export function endpoint(t: TestApp, feed: string) {
  return (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has('authorization') && !headers.has('x-apikey')) headers.set('authorization', t.adminAuth);
    return fetch(`${t.url}/endpoints/${feed}/${path}`, { ...init, headers });
  };
}

export async function streamToBuffer(s: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** A zip of the given entries (`null` = an empty folder). */
export function zipOf(entries: Record<string, Buffer | string | null>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(entries)) {
    if (content === null) zip.addEmptyDirectory(name);
    else zip.addBuffer(Buffer.from(content), name);
  }
  zip.end();
  return streamToBuffer(zip.outputStream);
}

/** Polls until `check` holds, or fails after `ms`. */
export async function eventually(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}
