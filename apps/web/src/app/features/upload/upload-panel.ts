import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { Router, RouterLink } from '@angular/router';
import { SIGN_IN_PATH } from '../../core/auth/sign-in-url';
import { formatBytes } from '../../shared/format';
import { UploadQueue, type UploadItem, type UploadState } from './upload-queue';

const STATE_LABELS: Record<UploadState, string> = {
  queued: 'Waiting',
  checking: 'Checking',
  uploading: 'Uploading',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
  skipped: 'Skipped (exists)',
};

/** The upload queue's panel in the shell: overall and per-file progress, cancel, retry. */
@Component({
  selector: 'app-upload-panel',
  imports: [MatButtonModule, MatProgressBarModule, RouterLink],
  templateUrl: './upload-panel.html',
  styleUrl: './upload-panel.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class UploadPanel {
  protected readonly queue = inject(UploadQueue);
  private readonly router = inject(Router);

  protected readonly expanded = signal(true);
  protected readonly signInPath = ['/', SIGN_IN_PATH];
  protected readonly formatBytes = formatBytes;

  protected readonly summary = computed(() => {
    const o = this.queue.overall();
    return `${o.files} of ${o.totalFiles} ${o.totalFiles === 1 ? 'file' : 'files'}, ${formatBytes(o.sent)} of ${formatBytes(o.total)}`;
  });
  protected readonly title = computed(() => {
    const active = this.queue.activeCount();
    return active > 0 ? `Uploading ${active} ${active === 1 ? 'file' : 'files'}` : 'Uploads';
  });

  protected returnUrl(): string {
    return this.router.url;
  }

  protected cancellable(item: UploadItem): boolean {
    const state = item.state();
    return state === 'queued' || state === 'checking' || state === 'uploading';
  }

  protected label(item: UploadItem): string {
    if (item.state() === 'uploading' && item.reconnecting()) return 'Reconnecting…';
    if (item.state() === 'uploading' && item.finishing()) return 'Finishing…';
    return STATE_LABELS[item.state()];
  }

  protected where(item: UploadItem): string {
    return item.folder ? `${item.feed}/${item.folder}` : item.feed;
  }
}
