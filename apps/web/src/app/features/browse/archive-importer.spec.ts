import { HttpErrorResponse } from '@angular/common/http';
import { DOCUMENT } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { ArchiveImporter, type ImportEvent, readCookie } from './archive-importer';

/** Just enough of XMLHttpRequest to watch what the importer sends and to answer it. */
class FakeXhr {
  static last: FakeXhr;
  static readonly DONE = 4;
  readonly headers: Record<string, string> = {};
  readonly upload: { onprogress?: (e: Partial<ProgressEvent>) => void } = {};
  method = '';
  url = '';
  body: unknown;
  aborted = false;
  readyState = 1;
  status = 0;
  statusText = '';
  responseText = '';
  withCredentials = false;
  onload?: () => void;
  onerror?: () => void;

  constructor() {
    FakeXhr.last = this;
  }
  open(method: string, url: string): void {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string): void {
    this.headers[name] = value;
  }
  send(body: unknown): void {
    this.body = body;
  }
  abort(): void {
    this.aborted = true;
  }
  answer(status: number, text: string): void {
    this.readyState = FakeXhr.DONE;
    this.status = status;
    this.responseText = text;
    this.onload?.();
  }
}

describe('ArchiveImporter', () => {
  const realXhr = globalThis.XMLHttpRequest;

  beforeEach(() => {
    globalThis.XMLHttpRequest = FakeXhr as unknown as typeof XMLHttpRequest;
    TestBed.configureTestingModule({
      providers: [{ provide: DOCUMENT, useValue: { cookie: 'other=1; XSRF-TOKEN=tok%3Den; x=2' } }],
    });
  });

  afterEach(() => (globalThis.XMLHttpRequest = realXhr));

  it('reads a cookie by name', () => {
    expect(readCookie('a=1; XSRF-TOKEN=abc', 'XSRF-TOKEN')).toBe('abc');
    expect(readCookie('a=1', 'XSRF-TOKEN')).toBeUndefined();
  });

  it('posts the archive with the console headers, reports progress and the result', () => {
    const events: ImportEvent[] = [];
    const file = new Blob(['zip']);
    let done = false;
    TestBed.inject(ArchiveImporter)
      .upload('/endpoints/x/import/?format=zip&overwrite=false', file)
      .subscribe({ next: (e) => events.push(e), complete: () => (done = true) });
    const xhr = FakeXhr.last;
    expect(xhr.method).toBe('POST');
    expect(xhr.url).toBe('/endpoints/x/import/?format=zip&overwrite=false');
    expect(xhr.body).toBe(file);
    expect(xhr.headers['X-Requested-With']).toBe('XMLHttpRequest');
    expect(xhr.headers['X-XSRF-TOKEN']).toBe('tok=en');
    xhr.upload.onprogress?.({ loaded: 1, total: 3, lengthComputable: true });
    xhr.answer(200, '{"created":2,"overwritten":0,"skipped":1}');
    expect(events).toEqual([
      { kind: 'progress', loaded: 1, total: 3 },
      { kind: 'done', result: { created: 2, overwritten: 0, skipped: 1 } },
    ]);
    expect(done).toBe(true);
  });

  it("fails with the server's text and aborts when unsubscribed", () => {
    let error: unknown;
    TestBed.inject(ArchiveImporter)
      .upload('/u', new Blob([]))
      .subscribe({ error: (e: unknown) => (error = e) });
    FakeXhr.last.answer(413, 'The archive expands to more than 10 GiB.');
    expect(error).toBeInstanceOf(HttpErrorResponse);
    expect((error as HttpErrorResponse).status).toBe(413);
    expect((error as HttpErrorResponse).error).toBe('The archive expands to more than 10 GiB.');

    const subscription = TestBed.inject(ArchiveImporter).upload('/u', new Blob([])).subscribe();
    subscription.unsubscribe();
    expect(FakeXhr.last.aborted).toBe(true);
  });
});
