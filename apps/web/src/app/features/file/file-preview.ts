import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import type { AssetItem } from '@stockroom/contracts';
import { errorMessage } from '../../core/http/api-error';
import { formatBytes } from '../../shared/format';
import { FileApi, PREVIEW_BYTES, type TextPreview } from './file-api';

/** Images up to this size are shown inline. */
export const MAX_IMAGE_PREVIEW_BYTES = 10 * 1024 * 1024;

const TEXT_TYPES = new Set([
  'application/json',
  'application/ld+json',
  'application/xml',
  'application/yaml',
  'application/x-yaml',
  'application/toml',
  'application/javascript',
  'application/ecmascript',
  'application/x-sh',
  'application/x-shellscript',
  'application/sql',
  'application/x-ndjson',
  'application/x-ipynb+json',
]);
const TEXT_EXTENSIONS = new Set([
  'txt', 'md', 'markdown', 'log', 'csv', 'tsv', 'ini', 'cfg', 'conf', 'config', 'properties', 'env',
  'sh', 'bash', 'ps1', 'psm1', 'bat', 'cmd', 'json', 'xml', 'yaml', 'yml', 'toml', 'sql', 'nuspec',
  'csproj', 'props', 'targets', 'gradle', 'py', 'js', 'ts', 'css', 'html', 'htm', 'svg', 'pem', 'crt',
  'asc', 'sha1', 'sha256', 'sha512', 'md5', 'gitignore', 'editorconfig', 'dockerfile',
]); // prettier-ignore

export type PreviewKind = 'image' | 'text' | 'none';

/** How a file can be previewed, from its media type, name and size. */
export function previewKind(item: Pick<AssetItem, 'name' | 'type' | 'size'>): PreviewKind {
  const type = item.type.split(';')[0].trim().toLowerCase();
  const size = item.size ?? 0;
  if (type.startsWith('image/')) return size <= MAX_IMAGE_PREVIEW_BYTES ? 'image' : 'none';
  if (type.startsWith('text/') || TEXT_TYPES.has(type) || type.endsWith('+json') || type.endsWith('+xml')) {
    return 'text';
  }
  const dot = item.name.lastIndexOf('.');
  const extension = (dot >= 0 ? item.name.slice(dot + 1) : item.name).toLowerCase();
  return TEXT_EXTENSIONS.has(extension) ? 'text' : 'none';
}

/**
 * The first 64 KiB of a text file, or an image. Both are GETs of the content from byte 0, which the
 * server counts as a download.
 */
@Component({
  selector: 'app-file-preview',
  imports: [MatButtonModule],
  templateUrl: './file-preview.html',
  styleUrl: './file-preview.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class FilePreview {
  private readonly api = inject(FileApi);

  readonly feed = input.required<string>();
  readonly path = input.required<string>();
  readonly item = input.required<AssetItem>();
  /** False when the user may not download the file (no preview then). */
  readonly canDownload = input(true);

  protected readonly kind = computed(() => previewKind(this.item()));
  /** A signed URL for the image (needs no cookie: it may be on the content origin). */
  protected readonly imageUrl = signal<string | undefined>(undefined);
  protected readonly text = signal<TextPreview | undefined>(undefined);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly imageFailed = signal(false);
  protected readonly previewLimit = formatBytes(PREVIEW_BYTES);
  protected readonly imageLimit = formatBytes(MAX_IMAGE_PREVIEW_BYTES);
  protected readonly size = computed(() => formatBytes(this.item().size));
  protected readonly tooLargeImage = computed(
    () => this.item().type.toLowerCase().startsWith('image/') && (this.item().size ?? 0) > MAX_IMAGE_PREVIEW_BYTES,
  );
  private readonly reload = signal(0);

  /** Only the content matters: a new media type or metadata does not fetch (and count) again. */
  private readonly version = computed(() => this.item().sha1 ?? '');
  private readonly empty = computed(() => this.item().size === 0);

  constructor() {
    effect((onCleanup) => {
      this.reload();
      const feed = this.feed();
      const path = this.path();
      this.version();
      const kind = this.kind();
      const wanted = this.canDownload() && ((kind === 'text' && !this.empty()) || kind === 'image');
      untracked(() => {
        this.text.set(undefined);
        this.imageUrl.set(undefined);
        this.error.set(undefined);
        this.imageFailed.set(false);
      });
      if (!wanted) return;
      const request =
        kind === 'image'
          ? this.api.signedUrl(feed, path).subscribe({
              next: (url) => this.imageUrl.set(url),
              error: () => this.imageFailed.set(true),
            })
          : this.api.textPreview(feed, path).subscribe({
              next: (preview) => this.text.set(preview),
              error: (e: unknown) => this.error.set(errorMessage(e)),
            });
      onCleanup(() => request.unsubscribe());
    });
  }

  protected retry(): void {
    this.reload.update((n) => n + 1);
  }
}
