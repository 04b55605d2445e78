import { type TransportRequest, type TransportResponse, abortError } from '../upload-transport';

export interface FakeCall {
  request: TransportRequest;
  method: string;
  op: string;
  path: string;
  query: URLSearchParams;
  /** Answers a held call. */
  respond(response: TransportResponse): void;
  aborted: boolean;
}

/** What an interceptor wants: answer (now or later), let the fake server answer (undefined), or hold the call. */
export type Interception = TransportResponse | Promise<TransportResponse> | 'hold' | undefined;

/**
 * Stands in for UploadTransport in specs: a small in-memory asset server (metadata, listings, single and
 * chunked uploads, the [ext] status query) that records every request. `intercept` can answer a
 * request itself (failures) or hold it to answer later (progress, cancel).
 */
export class FakeUploadServer {
  readonly files = new Map<string, { size: number; body: string }>();
  readonly uploads = new Map<
    string,
    { path: string; totalSize: number; totalParts: number; parts: Map<number, string> }
  >();
  readonly calls: FakeCall[] = [];
  readonly held: FakeCall[] = [];
  intercept?: (call: FakeCall) => Interception;

  send(request: TransportRequest): Promise<TransportResponse> {
    return new Promise((resolve, reject) => {
      const [pathname, search = ''] = request.url.split('?');
      const [, , , op, ...segments] = pathname.split('/');
      const call: FakeCall = {
        request,
        method: request.method,
        op,
        path: segments.map(decodeURIComponent).join('/'),
        query: new URLSearchParams(search),
        aborted: false,
        respond: (response) => {
          if (!call.aborted) resolve(response);
        },
      };
      this.calls.push(call);
      request.signal?.addEventListener('abort', () => {
        call.aborted = true;
        reject(abortError());
      });
      const intercepted = this.intercept?.(call);
      if (intercepted === 'hold') {
        this.held.push(call);
        return;
      }
      void (async () => {
        const response = await (intercepted ?? this.serve(call));
        call.respond(response);
      })();
    });
  }

  /** Part indexes of the multipart upload requests, in the order sent. */
  partsSent(path?: string): number[] {
    return this.calls
      .filter((c) => c.query.get('multipart') === 'upload' && (path === undefined || c.path === path))
      .map((c) => Number(c.query.get('index')));
  }

  count(predicate: (call: FakeCall) => boolean): number {
    return this.calls.filter(predicate).length;
  }

  /** The fake server's own answer (also for intercepted calls that want to store and then fail). */
  async serve(call: FakeCall): Promise<TransportResponse> {
    const key = call.path.toLowerCase();
    const multipart = call.query.get('multipart');
    const body = call.request.body ? await readText(call.request.body) : '';
    if (call.op === 'dir') {
      // A listing of a folder: its files at any depth when recursive, else its own (folders are left
      // out here); `[]` for a folder that does not exist, as on the server.
      const folder = key.replace(/\/$/, '');
      const prefix = folder ? `${folder}/` : '';
      const recursive = call.query.get('recursive') === 'true';
      const listed = [...this.files.keys()]
        .filter((path) => path.startsWith(prefix) && (recursive || !path.slice(prefix.length).includes('/')))
        .map((path) => {
          const slash = path.lastIndexOf('/');
          return slash < 0
            ? { name: path, type: 'text/plain' }
            : { name: path.slice(slash + 1), parent: path.slice(0, slash), type: 'text/plain' };
        });
      return { status: 200, body: JSON.stringify(listed) };
    }
    if (call.op === 'metadata') {
      const file = this.files.get(key);
      return file
        ? {
            status: 200,
            body: JSON.stringify({ name: call.path.split('/').pop(), type: 'text/plain', size: file.size }),
          }
        : { status: 404, body: 'not found' };
    }
    if (multipart === 'status') {
      const upload = this.uploads.get(call.query.get('id') ?? '');
      if (!upload) return { status: 404, body: 'No multipart upload' };
      return {
        status: 200,
        body: JSON.stringify({
          id: call.query.get('id'),
          totalSize: upload.totalSize,
          totalParts: upload.totalParts,
          received: [...upload.parts.keys()].sort((a, b) => a - b),
        }),
      };
    }
    if (multipart === 'upload') {
      const id = call.query.get('id') ?? '';
      const upload = this.uploads.get(id) ?? {
        path: call.path,
        totalSize: Number(call.query.get('totalSize')),
        totalParts: Number(call.query.get('totalParts')),
        parts: new Map<number, string>(),
      };
      this.uploads.set(id, upload);
      if (body.length !== Number(call.query.get('partSize'))) return { status: 400, body: 'partSize mismatch' };
      call.request.onProgress?.(body.length);
      upload.parts.set(Number(call.query.get('index')), body);
      return { status: 200, body: '' };
    }
    if (multipart === 'abort') {
      return this.uploads.delete(call.query.get('id') ?? '')
        ? { status: 200, body: '' }
        : { status: 404, body: 'No multipart upload' };
    }
    if (multipart === 'complete') {
      const id = call.query.get('id') ?? '';
      const upload = this.uploads.get(id);
      if (!upload) return { status: 400, body: `No multipart upload "${id}" is in progress.` };
      if (upload.parts.size !== upload.totalParts) return { status: 400, body: 'parts are missing' };
      const content = [...upload.parts.entries()]
        .sort(([a], [b]) => a - b)
        .map(([, part]) => part)
        .join('');
      this.uploads.delete(id);
      this.files.set(key, { size: content.length, body: content });
      return { status: 200, body: '' };
    }
    if (call.method === 'PUT' && this.files.has(key)) return { status: 400, body: `"${call.path}" already exists.` };
    call.request.onProgress?.(body.length);
    this.files.set(key, { size: body.length, body });
    return { status: 201, body: '' };
  }
}

/** jsdom's Blob has no `text()`. */
function readText(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsText(blob);
  });
}
