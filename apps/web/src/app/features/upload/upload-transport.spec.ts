import { TestBed } from '@angular/core/testing';
import { DOCUMENT } from '@angular/common';
import { UploadTransport, isAbort } from './upload-transport';

/** Records what the transport does with XMLHttpRequest. */
class StubXhr {
  static last: StubXhr;
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: unknown;
  status = 0;
  responseText = '';
  responseType = '';
  upload: { onprogress?: (e: { loaded: number }) => void } = {};
  onload?: () => void;
  onerror?: () => void;
  ontimeout?: () => void;
  onabort?: () => void;
  aborted = false;
  constructor() {
    StubXhr.last = this;
  }
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  send(body: unknown) {
    this.body = body;
  }
  abort() {
    this.aborted = true;
    this.onabort?.();
  }
}

describe('UploadTransport', () => {
  const original = globalThis.XMLHttpRequest;
  let transport: UploadTransport;

  beforeEach(() => {
    globalThis.XMLHttpRequest = StubXhr as unknown as typeof XMLHttpRequest;
    TestBed.configureTestingModule({});
    const document = TestBed.inject(DOCUMENT);
    document.cookie = 'XSRF-TOKEN=tok%2Ben; path=/';
    transport = TestBed.inject(UploadTransport);
  });
  afterEach(() => (globalThis.XMLHttpRequest = original));

  it('sends X-Requested-With and the CSRF token, reports progress and resolves with any HTTP answer', async () => {
    const progress: number[] = [];
    const body = new Blob(['abc']);
    const pending = transport.send({
      method: 'POST',
      url: '/endpoints/f/content/a.txt',
      body,
      onProgress: (n) => progress.push(n),
    });
    const xhr = StubXhr.last;
    expect(xhr.method).toBe('POST');
    expect(xhr.headers).toEqual({ 'X-Requested-With': 'XMLHttpRequest', 'X-XSRF-TOKEN': 'tok+en' });
    expect(xhr.body).toBe(body);
    xhr.upload.onprogress?.({ loaded: 2 });
    xhr.status = 403;
    xhr.responseText = 'no';
    xhr.onload?.();
    expect(await pending).toEqual({ status: 403, body: 'no' });
    expect(progress).toEqual([2]);
  });

  it('answers status 0 on a network error and rejects when aborted', async () => {
    const failed = transport.send({ method: 'GET', url: '/x' });
    expect(StubXhr.last.headers['X-XSRF-TOKEN']).toBeUndefined();
    StubXhr.last.onerror?.();
    expect(await failed).toEqual({ status: 0, body: '' });

    const controller = new AbortController();
    const aborted = transport.send({ method: 'PUT', url: '/y', signal: controller.signal });
    const outcome = aborted.then(
      () => 'resolved',
      (e: unknown) => (isAbort(e) ? 'aborted' : 'other'),
    );
    controller.abort();
    expect(StubXhr.last.aborted).toBe(true);
    expect(await outcome).toBe('aborted');
  });
});
