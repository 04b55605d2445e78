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
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSnackBar } from '@angular/material/snack-bar';
import {
  MAX_METADATA_VALUE,
  METADATA_HEADER_VALUE_PATTERN,
  METADATA_KEY_PATTERN,
  responseHeaderProblem,
  type UserMetadataValue,
} from '@stockroom/contracts';
import { errorMessage } from '../../core/http/api-error';
import { FileApi } from './file-api';

export interface MetadataRow {
  /** Stable identity for `@for` (keeps the focus while typing). */
  id: number;
  key: string;
  value: string;
  header: boolean;
}

/*
 * The server's rules (contracts user-metadata.ts, enforced by parseUserMetadata on the server),
 * checked here first so the user sees every problem at once, next to its row.
 */

/** What is wrong with a row, or undefined; `keys` counts each key's uses. */
export function rowError(row: MetadataRow, keys: Map<string, number>): string | undefined {
  if (!METADATA_KEY_PATTERN.test(row.key)) {
    return row.key === ''
      ? 'Enter a key.'
      : row.key.length > 100
        ? 'Keys are at most 100 characters.'
        : "Keys use letters, digits and ! # $ % & ' * + - . ^ _ ` | ~ only (no spaces).";
  }
  if ((keys.get(row.key) ?? 0) > 1) return `The key "${row.key}" is used twice.`;
  if (row.value.length > MAX_METADATA_VALUE) return `Values are at most ${MAX_METADATA_VALUE} characters.`;
  const headerProblem = row.header ? responseHeaderProblem(row.key) : undefined;
  if (headerProblem) return `${row.key} cannot be a response header: ${headerProblem}.`;
  if (row.header && !METADATA_HEADER_VALUE_PATTERN.test(row.value)) {
    return 'A response header value must be one line of Latin-1 characters.';
  }
  return undefined;
}

function isBlank(row: MetadataRow): boolean {
  return row.key.trim() === '' && row.value === '';
}

/** A file's user metadata as editable rows; Save replaces the whole set (spec §5). */
@Component({
  selector: 'app-user-metadata-editor',
  imports: [MatButtonModule, MatCheckboxModule, MatFormFieldModule, MatInputModule],
  templateUrl: './user-metadata-editor.html',
  styleUrl: './user-metadata-editor.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class UserMetadataEditor {
  private readonly api = inject(FileApi);
  private readonly snackBar = inject(MatSnackBar);
  private nextId = 0;

  readonly feed = input.required<string>();
  readonly path = input.required<string>();
  readonly metadata = input<Record<string, UserMetadataValue> | undefined>(undefined);
  readonly canEdit = input(false);
  /** The stored set, once the server has accepted it (the item JSON's shape). */
  readonly saved = output<Record<string, UserMetadataValue>>();

  protected readonly rows = signal<MetadataRow[]>([]);
  protected readonly saving = signal(false);
  /** The rows as last loaded or saved, to tell whether anything changed. */
  private readonly baseline = signal('');

  protected readonly errors = computed(() => {
    const rows = this.rows().filter((r) => !isBlank(r));
    const keys = new Map<string, number>();
    for (const row of rows) keys.set(row.key, (keys.get(row.key) ?? 0) + 1);
    return new Map(rows.map((row) => [row.id, rowError(row, keys)] as const).filter(([, e]) => e !== undefined));
  });
  protected readonly dirty = computed(() => this.fingerprint(this.rows()) !== this.baseline());

  constructor() {
    effect(() => {
      const metadata = this.metadata();
      untracked(() => this.reset(metadata));
    });
  }

  protected add(): void {
    this.rows.update((rows) => [...rows, this.row('', '', false)]);
  }

  protected remove(id: number): void {
    this.rows.update((rows) => rows.filter((r) => r.id !== id));
  }

  protected change(id: number, patch: Partial<Omit<MetadataRow, 'id'>>): void {
    this.rows.update((rows) => rows.map((r) => (r.id === id ? { ...r, ...patch } : r)));
  }

  protected inputValue(event: Event): string {
    return (event.target as HTMLInputElement).value;
  }

  protected save(): void {
    if (this.saving() || this.errors().size > 0) return;
    const stored: Record<string, UserMetadataValue> = {};
    for (const row of this.rows()) {
      if (isBlank(row)) continue;
      stored[row.key] = row.header ? { value: row.value, includeInResponseHeader: true } : row.value;
    }
    this.saving.set(true);
    this.api
      .updateMetadata(this.feed(), this.path(), { userMetadataUpdateMode: 'replace', userMetadata: stored })
      .subscribe({
        next: () => {
          this.saving.set(false);
          this.reset(stored);
          this.saved.emit(stored);
          this.snackBar.open('Metadata saved.', undefined, { duration: 3000 });
        },
        error: (e: unknown) => {
          this.saving.set(false);
          this.snackBar.open(`Could not save the metadata: ${errorMessage(e)}`, 'Dismiss');
        },
      });
  }

  protected discard(): void {
    this.reset(this.metadata());
  }

  private reset(metadata: Record<string, UserMetadataValue> | undefined): void {
    const rows = Object.entries(metadata ?? {}).map(([key, v]) =>
      typeof v === 'string' ? this.row(key, v, false) : this.row(key, v.value, v.includeInResponseHeader === true),
    );
    this.rows.set(rows);
    this.baseline.set(this.fingerprint(rows));
  }

  private row(key: string, value: string, header: boolean): MetadataRow {
    return { id: this.nextId++, key, value, header };
  }

  private fingerprint(rows: MetadataRow[]): string {
    return JSON.stringify(rows.filter((r) => !isBlank(r)).map((r) => [r.key, r.value, r.header]));
  }
}
