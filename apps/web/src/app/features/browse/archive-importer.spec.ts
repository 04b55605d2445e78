import { HttpErrorResponse } from '@angular/common/http';
import { TestBed } from '@angular/core/testing';
import { type TransportRequest, type TransportResponse, UploadTransport, abortError } from '../upload/upload-transport';
import { ArchiveImporter, type ImportEvent } from './archive-importer';

/** Records the request and lets the test answer it (the transport's own spec covers the XHR). */
class FakeTransport {
  request?: TransportRequest;
  private answer?: (response: TransportResponse) => void;

  send(request: TransportRequest): Promise<TransportResponse> {
    this.request = request;
    return new Promise((resolve, reject) => {
      this.answer = resolve;
      request.signal?.addEventListener('abort', () => reject(abortError()));
    });
  }

  respond(status: number, body: string): Promise<void> {
    this.answer?.({ status, body });
    return Promise.resolve();
  }
}

describe('ArchiveImporter', () => {
  let transport: FakeTransport;

  beforeEach(() => {
    transport = new FakeTransport();
    TestBed.configureTestingModule({ providers: [{ provide: UploadTransport, useValue: transport }] });
  });

  it('posts the archive, reports progress and the result', async () => {
    const events: ImportEvent[] = [];
    const file = new Blob(['zip']);
    let done = false;
    TestBed.inject(ArchiveImporter)
      .upload('/endpoints/x/import/?format=zip&overwrite=false', file)
      .subscribe({ next: (e) => events.push(e), complete: () => (done = true) });
    const request = transport.request as TransportRequest;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/endpoints/x/import/?format=zip&overwrite=false');
    expect(request.body).toBe(file);
    expect(request.headers).toEqual({ 'Content-Type': 'application/octet-stream' });
    request.onProgress?.(1);
    await transport.respond(200, '{"created":2,"overwritten":0,"skipped":1}');
    await Promise.resolve();
    expect(events).toEqual([
      { kind: 'progress', loaded: 1, total: 3 },
      { kind: 'done', result: { created: 2, overwritten: 0, skipped: 1 } },
    ]);
    expect(done).toBe(true);
  });

  it("fails with the server's text", async () => {
    let error: unknown;
    TestBed.inject(ArchiveImporter)
      .upload('/u', new Blob([]))
      .subscribe({ error: (e: unknown) => (error = e) });
    await transport.respond(413, 'The archive expands to more than 10 GiB.');
    await Promise.resolve();
    expect(error).toBeInstanceOf(HttpErrorResponse);
    expect((error as HttpErrorResponse).status).toBe(413);
    expect((error as HttpErrorResponse).error).toBe('The archive expands to more than 10 GiB.');
  });

  it('aborts the upload when unsubscribed, without an error', async () => {
    let error: unknown;
    const subscription = TestBed.inject(ArchiveImporter)
      .upload('/u', new Blob([]))
      .subscribe({ error: (e: unknown) => (error = e) });
    subscription.unsubscribe();
    await Promise.resolve();
    expect(transport.request?.signal?.aborted).toBe(true);
    expect(error).toBeUndefined();
  });
});
