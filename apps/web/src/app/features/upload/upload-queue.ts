import { Injectable } from '@angular/core';
import { Subject } from 'rxjs';

/** A file to upload and where it goes below the target folder (`a.txt`, or `sub/dir/a.txt` for a dropped folder). */
export interface UploadEntry {
  file: File;
  relativePath: string;
}

/** A file that finished uploading: listings of that folder refresh. */
export interface UploadCompleted {
  feed: string;
  /** The file's path in the directory. */
  path: string;
}

/** Placeholder: the console's upload queue (chunked protocol of spec §4, progress, cancel, retry, resume). */
@Injectable({ providedIn: 'root' })
export class UploadQueue {
  private readonly done = new Subject<UploadCompleted>();
  readonly completed = this.done.asObservable();

  /** Queues files for upload into `folder` of `feed` (asking first about files that exist). */
  add(feed: string, folder: string, entries: UploadEntry[]): void {
    void feed;
    void folder;
    void entries;
  }
}
