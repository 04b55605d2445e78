import { Injectable } from '@nestjs/common';
import { Gauge, Histogram, Registry } from 'prom-client';
import type { Readable } from 'node:stream';
import { TRANSFER_SECONDS_BUCKETS } from './metrics-registry';

/** A body streaming into storage: a single upload (`file`), one part of a chunked upload, an archive import. */
export type UploadKind = 'file' | 'part' | 'import';
const UPLOAD_KINDS: readonly UploadKind[] = ['file', 'part', 'import'];

/** Uploads in progress and how long uploads and downloads take. */
@Injectable()
export class TransferMetrics {
  private readonly active: Gauge<'kind'>;
  private readonly uploads: Histogram<'kind' | 'outcome'>;
  private readonly downloads: Histogram<'outcome'>;

  constructor(registry: Registry) {
    this.active = new Gauge({
      name: 'stockroom_uploads_active',
      help: 'Upload bodies streaming into storage right now',
      labelNames: ['kind'],
      aggregator: 'sum',
      registers: [registry],
    });
    for (const kind of UPLOAD_KINDS) this.active.set({ kind }, 0);
    this.uploads = new Histogram({
      name: 'stockroom_upload_duration_seconds',
      help: 'Time to stream an upload body into storage (outcome ok or failed)',
      labelNames: ['kind', 'outcome'],
      buckets: TRANSFER_SECONDS_BUCKETS,
      registers: [registry],
    });
    this.downloads = new Histogram({
      name: 'stockroom_download_duration_seconds',
      help: 'Time from opening a stored file to its last byte (complete), the client leaving (aborted) or a storage failure (failed)',
      labelNames: ['outcome'],
      buckets: TRANSFER_SECONDS_BUCKETS,
      registers: [registry],
    });
  }

  /** Runs `work` (the body's streaming into storage) as one upload in progress, timed. */
  async measureUpload<T>(kind: UploadKind, work: () => Promise<T>): Promise<T> {
    this.active.inc({ kind });
    const stop = this.uploads.startTimer({ kind });
    try {
      const result = await work();
      stop({ outcome: 'ok' });
      return result;
    } catch (e) {
      stop({ outcome: 'failed' });
      throw e;
    } finally {
      this.active.dec({ kind });
    }
  }

  /** A download answered from memory (a small file read before): nothing to open, complete at once. */
  downloadFromMemory(): void {
    this.downloads.observe({ outcome: 'complete' }, 0);
  }

  /** Times a download from the opening of its stored bytes until that stream closes. */
  trackDownload<T extends Readable>(stream: T): T {
    const stop = this.downloads.startTimer();
    stream.once('close', () =>
      stop({ outcome: stream.readableEnded ? 'complete' : stream.errored ? 'failed' : 'aborted' }),
    );
    return stream;
  }
}
