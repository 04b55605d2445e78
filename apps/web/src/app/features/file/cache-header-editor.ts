import {
  ChangeDetectionStrategy,
  Component,
  computed,
  effect,
  inject,
  input,
  output,
  signal,
  untracked,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatRadioModule } from '@angular/material/radio';
import { MatSnackBar } from '@angular/material/snack-bar';
import type { CacheHeader } from '@stockroom/contracts';
import { errorMessage } from '../../core/http/api-error';
import { FileApi } from './file-api';

type CacheType = CacheHeader['type'];

/** The server's rule for Custom (assets.service.ts): one printable Latin-1 line, at most 4,096 characters. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** What a setting sends as `Cache-Control` on download (spec §5). */
export function describeCacheHeader(header: CacheHeader): string {
  switch (header.type) {
    case 'TTL':
      return `Cache for ${header.value} s (Cache-Control: public, max-age=${header.value})`;
    case 'NoCache':
      return 'No cache (Cache-Control: no-cache)';
    case 'Custom':
      return `Custom (Cache-Control: ${header.value})`;
    default:
      return "Inherit: the nearest folder's or the directory's setting (Cache-Control: public when none is set)";
  }
}

/** A file's Cache-Control setting: Inherit, TTL, No cache or Custom (spec §3, §5). */
@Component({
  selector: 'app-cache-header-editor',
  imports: [MatButtonModule, MatFormFieldModule, MatInputModule, MatRadioModule],
  templateUrl: './cache-header-editor.html',
  styleUrl: './cache-header-editor.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class CacheHeaderEditor {
  private readonly api = inject(FileApi);
  private readonly snackBar = inject(MatSnackBar);

  readonly feed = input.required<string>();
  readonly path = input.required<string>();
  readonly cacheHeader = input<CacheHeader>({ type: 'Inherit' });
  readonly canEdit = input(false);
  /** The stored setting, once the server has accepted it. */
  readonly saved = output<CacheHeader>();

  protected readonly types: { type: CacheType; label: string }[] = [
    { type: 'Inherit', label: 'Inherit' },
    { type: 'TTL', label: 'Time to live' },
    { type: 'NoCache', label: 'No cache' },
    { type: 'Custom', label: 'Custom' },
  ];
  protected readonly type = signal<CacheType>('Inherit');
  protected readonly ttl = signal('');
  protected readonly custom = signal('');
  protected readonly saving = signal(false);
  protected readonly description = computed(() => describeCacheHeader(this.cacheHeader()));

  /** The setting as entered, or the reason it cannot be saved. */
  protected readonly draft = computed((): { header: CacheHeader } | { error: string } => {
    switch (this.type()) {
      case 'TTL': {
        const text = this.ttl().trim();
        const seconds = Number(text);
        if (text === '' || !/^\d+$/.test(text) || !Number.isSafeInteger(seconds)) {
          return { error: 'Enter a whole number of seconds (0 or more).' };
        }
        return { header: { type: 'TTL', value: seconds } };
      }
      case 'Custom': {
        const value = this.custom();
        if (value.trim() === '') return { error: 'Enter a Cache-Control value, e.g. private, max-age=600.' };
        if (value.length > 4096 || !HEADER_VALUE.test(value)) {
          return { error: 'The value must be one line of Latin-1 characters, at most 4,096.' };
        }
        return { header: { type: 'Custom', value } };
      }
      case 'NoCache':
        return { header: { type: 'NoCache' } };
      default:
        return { header: { type: 'Inherit' } };
    }
  });
  protected readonly draftError = computed(() => {
    const draft = this.draft();
    return 'error' in draft ? draft.error : undefined;
  });
  protected readonly dirty = computed(() => {
    const draft = this.draft();
    return !('header' in draft) || JSON.stringify(draft.header) !== JSON.stringify(this.cacheHeader());
  });

  constructor() {
    effect(() => {
      const header = this.cacheHeader();
      untracked(() => this.reset(header));
    });
  }

  protected inputValue(event: Event): string {
    return (event.target as HTMLInputElement).value;
  }

  protected save(): void {
    const draft = this.draft();
    if (this.saving() || !('header' in draft)) return;
    const header = draft.header;
    this.saving.set(true);
    this.api
      .updateMetadata(this.feed(), this.path(), {
        cacheHeader: 'value' in header ? { type: header.type, value: header.value } : { type: header.type },
      })
      .subscribe({
        next: () => {
          this.saving.set(false);
          this.saved.emit(header);
          this.snackBar.open('Cache setting saved.', undefined, { duration: 3000 });
        },
        error: (e: unknown) => {
          this.saving.set(false);
          this.snackBar.open(`Could not save the cache setting: ${errorMessage(e)}`, 'Dismiss');
        },
      });
  }

  private reset(header: CacheHeader): void {
    this.type.set(header.type);
    this.ttl.set(header.type === 'TTL' ? String(header.value) : '');
    this.custom.set(header.type === 'Custom' ? header.value : '');
  }
}
