import { ChangeDetectionStrategy, Component, computed, effect, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MAT_DIALOG_DATA, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { firstValueFrom } from 'rxjs';
import { errorMessage } from '../../core/http/api-error';
import { parentOf, splitPath } from '../../shared/links';
import { BrowseApi, type TransferKind } from './browse-api';
import type { Entry } from './entries';
import { folderNameProblem } from './new-folder-dialog';

/** `rename` is a move to a new name in the same folder. */
export type TransferMode = 'rename' | TransferKind;

export interface TransferDialogData {
  mode: TransferMode;
  /** The directory and folder the entries are in. */
  feed: string;
  folder: string;
  entries: readonly Entry[];
  /** Lower-case names of the folder's items (rename: a name must not be taken). */
  taken?: ReadonlySet<string>;
  /** Directories the user may add to (the picker's choices); the current one is always offered. */
  directories?: readonly string[];
}

/** What was done: the page refreshes when anything changed, even when other items failed. */
export interface TransferDialogResult {
  done: number;
  directory: string;
  folder: string;
}

interface Failure {
  name: string;
  message: string;
}

const VERB: Record<TransferMode, string> = { rename: 'Rename', move: 'Move', copy: 'Copy' };

/** Where `entry` goes: `folder/name` (the root is ``). */
export function targetPath(folder: string, name: string): string {
  return folder ? `${folder}/${name}` : name;
}

/**
 * Rename, move or copy files and folders: a name (rename, or one item), a directory the user can add
 * to and a folder in it (browsed with the listing API), and whether to replace files standing at the
 * target. The requests run here, one item at a time, so that the server's refusals are shown next to
 * the choices they are about; what succeeded is not repeated when the user tries again.
 */
@Component({
  selector: 'app-transfer-dialog',
  imports: [
    MatDialogModule,
    MatButtonModule,
    MatCheckboxModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    MatProgressBarModule,
  ],
  template: `
    <form (submit)="$event.preventDefault(); submit()" data-testid="transfer-dialog" [attr.data-mode]="data.mode">
      <h2 mat-dialog-title>{{ title() }}</h2>
      <mat-dialog-content>
        @if (showName) {
          <mat-form-field class="wide">
            <mat-label>{{ data.mode === 'rename' ? 'New name' : 'Name at the target' }}</mat-label>
            <input
              matInput
              autocomplete="off"
              spellcheck="false"
              cdkFocusInitial
              data-testid="transfer-name"
              [value]="name()"
              (input)="name.set($any($event.target).value)"
            />
            @if (nameProblem(); as problem) {
              <mat-hint class="problem" data-testid="transfer-name-problem">{{ problem }}</mat-hint>
            }
          </mat-form-field>
        }
        @if (data.mode !== 'rename') {
          <mat-form-field class="wide">
            <mat-label>Directory</mat-label>
            <mat-select
              data-testid="transfer-directory"
              [value]="directory()"
              (selectionChange)="chooseDirectory($event.value)"
            >
              @for (name of directories(); track name) {
                <mat-option [value]="name">{{ name }}</mat-option>
              }
            </mat-select>
          </mat-form-field>
          <div class="picker" role="group" aria-label="Target folder" data-testid="folder-picker">
            <nav class="crumbs" aria-label="Target folder path" data-testid="picker-path">
              <button mat-button type="button" data-testid="picker-root" (click)="openFolder('')">
                {{ directory() }}
              </button>
              @for (crumb of crumbs(); track crumb.path) {
                <span aria-hidden="true">›</span>
                <button mat-button type="button" (click)="openFolder(crumb.path)">{{ crumb.name }}</button>
              }
            </nav>
            <ul class="folders" aria-live="polite">
              @if (target() !== '') {
                <li>
                  <button type="button" class="folder" data-testid="picker-up" (click)="openFolder(parentOf(target()))">
                    <span aria-hidden="true">↰</span> Up
                  </button>
                </li>
              }
              @for (sub of subfolders(); track sub.path) {
                <li>
                  <button
                    type="button"
                    class="folder"
                    data-testid="picker-folder"
                    [attr.data-name]="sub.name"
                    [disabled]="isMoved(sub.path)"
                    (click)="openFolder(sub.path)"
                  >
                    <span aria-hidden="true">📁</span> {{ sub.name }}
                  </button>
                </li>
              } @empty {
                <li class="muted">{{ loadingFolders() ? 'Loading…' : (pickerError() ?? 'No subfolders.') }}</li>
              }
            </ul>
            <p class="destination" data-testid="transfer-destination">
              {{ verb() }} into <strong>{{ directory() }}/{{ target() }}</strong>
            </p>
          </div>
        }
        <mat-checkbox data-testid="transfer-overwrite" [checked]="overwrite()" (change)="overwrite.set($event.checked)">
          Replace files that already exist there
        </mat-checkbox>
        <p class="hint">Folders are never merged: a folder cannot go where one of the same name exists.</p>
        @if (running()) {
          <mat-progress-bar mode="determinate" [value]="progress()" aria-label="Progress" />
        }
        <div role="alert" class="error" data-testid="transfer-error">
          @for (failure of failures(); track failure.name) {
            <p>
              Could not {{ verb().toLowerCase() }} “{{ failure.name }}”:
              <span class="message">{{ failure.message }}</span>
            </p>
          }
        </div>
      </mat-dialog-content>
      <mat-dialog-actions align="end">
        <button mat-button type="button" data-testid="transfer-cancel" (click)="close()">
          {{ done() > 0 ? 'Close' : 'Cancel' }}
        </button>
        <button mat-flat-button type="submit" data-testid="transfer-submit" [disabled]="running() || !!nameProblem()">
          {{ verb() }}
        </button>
      </mat-dialog-actions>
    </form>
  `,
  styles: `
    .wide {
      width: 100%;
    }
    .picker {
      border: 1px solid var(--mat-sys-outline-variant);
      border-radius: 4px;
      padding: 0.25rem 0.5rem;
      margin-bottom: 0.75rem;
    }
    .crumbs {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.125rem;
    }
    .folders {
      list-style: none;
      margin: 0;
      padding: 0;
      max-height: 12rem;
      overflow: auto;
    }
    .folder {
      width: 100%;
      text-align: start;
      background: none;
      border: 0;
      padding: 0.375rem 0.5rem;
      font: var(--mat-sys-body-medium);
      color: inherit;
      cursor: pointer;
    }
    .folder:hover:not([disabled]),
    .folder:focus-visible {
      background: var(--mat-sys-surface-container-high);
    }
    .folder[disabled] {
      opacity: 0.5;
      cursor: default;
    }
    .muted,
    .hint {
      color: var(--mat-sys-on-surface-variant);
      font: var(--mat-sys-body-small);
    }
    .muted {
      padding: 0.375rem 0.5rem;
    }
    .destination {
      margin: 0.25rem 0;
      font: var(--mat-sys-body-medium);
      overflow-wrap: anywhere;
    }
    .problem,
    .error {
      color: var(--mat-sys-error);
    }
    .error p {
      margin: 0.25rem 0;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class TransferDialog {
  protected readonly data = inject<TransferDialogData>(MAT_DIALOG_DATA);
  private readonly ref = inject<MatDialogRef<TransferDialog, TransferDialogResult | undefined>>(MatDialogRef);
  private readonly api = inject(BrowseApi);
  protected readonly parentOf = parentOf;

  /** The entries still to do (those done are dropped, so "try again" does only the rest). */
  private readonly pending = signal<readonly Entry[]>(this.data.entries);
  protected readonly name = signal(this.data.entries.length === 1 ? this.data.entries[0].name : '');
  protected readonly directory = signal(this.data.feed);
  protected readonly target = signal(this.data.folder);
  protected readonly overwrite = signal(false);
  protected readonly running = signal(false);
  protected readonly done = signal(0);
  protected readonly progress = signal(0);
  protected readonly failures = signal<Failure[]>([]);
  protected readonly subfolders = signal<Entry[]>([]);
  protected readonly loadingFolders = signal(false);
  protected readonly pickerError = signal<string | undefined>(undefined);

  protected readonly verb = computed(() => VERB[this.data.mode]);
  /** A name to give: on a rename, or when one item was chosen (several keep their names). */
  protected readonly showName = this.data.mode === 'rename' || this.data.entries.length === 1;
  protected readonly directories = computed(() => {
    const names = [...(this.data.directories ?? [])];
    if (!names.some((n) => n.toLowerCase() === this.data.feed.toLowerCase())) names.unshift(this.data.feed);
    return names;
  });
  protected readonly crumbs = computed(() => {
    const segments = splitPath(this.target());
    return segments.map((name, i) => ({ name, path: segments.slice(0, i + 1).join('/') }));
  });
  protected readonly title = computed(() => {
    const entries = this.data.entries;
    const what = entries.length === 1 ? `“${entries[0].name}”` : `${entries.length} items`;
    return `${this.verb()} ${what}`;
  });
  protected readonly nameProblem = computed(() => {
    if (!this.showName) return undefined;
    const name = this.name().trim();
    const original = this.pending()[0]?.name ?? '';
    if (this.data.mode === 'rename') {
      if (name === original) return 'Enter a different name.';
      // Another case of the same name is a rename of this item, not a clash.
      const taken = new Set(this.data.taken ?? []);
      taken.delete(original.toLowerCase());
      return folderNameProblem(name, taken);
    }
    return folderNameProblem(name, new Set());
  });

  constructor() {
    effect((onCleanup) => {
      if (this.data.mode === 'rename') return;
      const feed = this.directory();
      const folder = this.target();
      this.loadingFolders.set(true);
      this.pickerError.set(undefined);
      this.subfolders.set([]);
      const request = this.api.list(feed, folder).subscribe({
        next: (entries) => {
          this.subfolders.set(entries.filter((e) => e.folder));
          this.loadingFolders.set(false);
        },
        error: (e: unknown) => {
          this.pickerError.set(`Could not list this folder: ${errorMessage(e)}`);
          this.loadingFolders.set(false);
        },
      });
      onCleanup(() => request.unsubscribe());
    });
  }

  protected chooseDirectory(name: string): void {
    this.directory.set(name);
    this.target.set('');
  }

  protected openFolder(path: string): void {
    this.target.set(path);
  }

  /** A folder being moved within its directory cannot be a target (nor anything inside it). */
  protected isMoved(path: string): boolean {
    if (this.directory().toLowerCase() !== this.data.feed.toLowerCase()) return false;
    const key = path.toLowerCase();
    return this.pending().some((e) => e.folder && (key === e.key || key.startsWith(`${e.key}/`)));
  }

  protected async submit(): Promise<void> {
    if (this.running() || this.nameProblem()) return;
    const entries = this.pending();
    if (entries.length === 0) return;
    const kind: TransferKind = this.data.mode === 'copy' ? 'copy' : 'move';
    const rename = this.data.mode === 'rename';
    const directory = rename ? this.data.feed : this.directory();
    const folder = rename ? this.data.folder : this.target();
    const sameDirectory = directory.toLowerCase() === this.data.feed.toLowerCase();
    this.running.set(true);
    this.failures.set([]);
    this.progress.set(0);
    const failures: Failure[] = [];
    const left: Entry[] = [];
    let finished = 0;
    for (const entry of entries) {
      const name = this.showName ? this.name().trim() : entry.name;
      try {
        await firstValueFrom(
          this.api.transfer(this.data.feed, kind, entry.path, {
            to: targetPath(folder, name),
            ...(sameDirectory ? {} : { toDirectory: directory }),
            overwrite: this.overwrite(),
          }),
        );
        this.done.update((n) => n + 1);
      } catch (e) {
        failures.push({ name: entry.name, message: errorMessage(e) });
        left.push(entry);
      }
      finished++;
      this.progress.set((100 * finished) / entries.length);
    }
    this.running.set(false);
    this.pending.set(left);
    this.failures.set(failures);
    if (failures.length === 0) this.close();
  }

  protected close(): void {
    const rename = this.data.mode === 'rename';
    this.ref.close(
      this.done() > 0
        ? {
            done: this.done(),
            directory: rename ? this.data.feed : this.directory(),
            folder: rename ? this.data.folder : this.target(),
          }
        : undefined,
    );
  }
}
