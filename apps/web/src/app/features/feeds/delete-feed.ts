import type { MatDialog } from '@angular/material/dialog';
import type { Feed, StorageKind } from '@stockroom/contracts';
import { confirmAction } from '../../shared/confirm-dialog';
import { formatBytes } from '../../shared/format';

const STORAGE_NAMES: Record<StorageKind, string> = { disk: 'Disk', s3: 'Amazon S3', azure: 'Azure Blob' };

/** `s3` → `Amazon S3`; unknown (an older server): `—`. */
export function storageName(kind: StorageKind | undefined): string {
  return kind ? (STORAGE_NAMES[kind] ?? kind) : '—';
}

/** `1 file`, `1,234 files`. */
export function fileCountText(count: number): string {
  return `${count.toLocaleString()} ${count === 1 ? 'file' : 'files'}`;
}

/** What deleting the directory loses, for the confirmation. */
export function deletionDetails(feed: Feed): string[] {
  const lost =
    feed.fileCount === undefined
      ? 'All of its files will be deleted.'
      : feed.fileCount === 0
        ? 'It holds no files.'
        : `${fileCountText(feed.fileCount)}, ${formatBytes(feed.totalBytes ?? 0)} will be deleted.`;
  return [lost, 'Its settings, retention rules and permissions go with it.'];
}

/** Asks before deleting a directory, naming what will be lost; true when the user confirmed. */
export function confirmFeedDeletion(dialog: MatDialog, feed: Feed): Promise<boolean> {
  return confirmAction(dialog, {
    title: `Delete “${feed.name}”?`,
    message: 'The directory and everything in it will be deleted. This cannot be undone.',
    details: deletionDetails(feed),
    confirmLabel: 'Delete directory',
    destructive: true,
  });
}
