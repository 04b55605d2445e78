import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  Injector,
  afterNextRender,
  inject,
  input,
  output,
  signal,
  viewChild,
} from '@angular/core';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSnackBar } from '@angular/material/snack-bar';
import { errorMessage } from '../../core/http/api-error';
import { FileApi } from './file-api';

/** Suggestions for the media type field; any `type/subtype` is accepted. */
export const COMMON_MEDIA_TYPES = [
  'application/octet-stream',
  'application/gzip',
  'application/java-archive',
  'application/json',
  'application/pdf',
  'application/vnd.microsoft.portable-executable',
  'application/x-msdownload',
  'application/x-msi',
  'application/x-sh',
  'application/x-tar',
  'application/xml',
  'application/yaml',
  'application/zip',
  'image/gif',
  'image/jpeg',
  'image/png',
  'image/svg+xml',
  'image/webp',
  'text/csv',
  'text/html',
  'text/markdown',
  'text/plain',
  'text/xml',
];

/** The server's rule (apps/api/src/modules/assets/media-type.ts): `type/subtype`, optional parameters. */
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(\s*;.*)?$/;

export function isMediaType(value: string): boolean {
  return value.length <= 255 && MEDIA_TYPE.test(value);
}

/** A file's media type, with an inline editor (`POST metadata/{p}` `{type}`, spec §5). */
@Component({
  selector: 'app-media-type-editor',
  imports: [FormsModule, MatButtonModule, MatFormFieldModule, MatInputModule],
  template: `
    @if (editing()) {
      <form class="editor" (ngSubmit)="save()" novalidate>
        <mat-form-field appearance="outline" subscriptSizing="dynamic">
          <mat-label>Media type</mat-label>
          <input
            #input
            matInput
            name="mediaType"
            [(ngModel)]="draft"
            [attr.list]="listId"
            autocomplete="off"
            spellcheck="false"
            autocapitalize="none"
            required
            data-testid="media-type-input"
            (keydown.escape)="cancel()"
          />
          <mat-hint>Like <code>text/plain</code>. Sent as Content-Type on download.</mat-hint>
        </mat-form-field>
        <datalist [id]="listId">
          @for (type of suggestions; track type) {
            <option [value]="type"></option>
          }
        </datalist>
        <div class="actions">
          <button mat-flat-button type="submit" [disabled]="saving()" data-testid="save-media-type">
            {{ saving() ? 'Saving…' : 'Save' }}
          </button>
          <button mat-button type="button" (click)="cancel()" [disabled]="saving()">Cancel</button>
        </div>
      </form>
      @if (invalid()) {
        <p class="error" role="alert">Enter a media type like text/plain.</p>
      }
    } @else {
      <span class="value" data-testid="media-type">{{ mediaType() }}</span>
      @if (canEdit()) {
        <button
          #setButton
          mat-button
          type="button"
          data-testid="set-media-type"
          aria-label="Set the media type"
          (click)="edit()"
        >
          Set
        </button>
      }
    }
  `,
  styles: `
    :host {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.25rem 0.5rem;
    }
    .value {
      font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
      overflow-wrap: anywhere;
    }
    .editor {
      display: flex;
      flex-wrap: wrap;
      align-items: flex-start;
      gap: 0.5rem;
    }
    mat-form-field {
      width: 22rem;
      max-width: 100%;
    }
    .actions {
      display: flex;
      gap: 0.25rem;
      padding-top: 0.5rem;
    }
    .error {
      margin: 0;
      color: var(--mat-sys-error);
      flex-basis: 100%;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class MediaTypeEditor {
  private static nextId = 0;
  private readonly api = inject(FileApi);
  private readonly snackBar = inject(MatSnackBar);
  private readonly injector = inject(Injector);
  private readonly input = viewChild<ElementRef<HTMLInputElement>>('input');
  private readonly setButton = viewChild<string, ElementRef<HTMLButtonElement>>('setButton', { read: ElementRef });

  readonly feed = input.required<string>();
  readonly path = input.required<string>();
  readonly mediaType = input.required<string>();
  readonly canEdit = input(false);
  /** The new media type, once the server has stored it. */
  readonly changed = output<string>();

  protected readonly listId = `media-types-${MediaTypeEditor.nextId++}`;
  protected readonly suggestions = COMMON_MEDIA_TYPES;
  protected readonly editing = signal(false);
  protected readonly saving = signal(false);
  protected readonly invalid = signal(false);
  protected draft = '';

  protected edit(): void {
    this.draft = this.mediaType();
    this.invalid.set(false);
    this.editing.set(true);
    afterNextRender(() => this.input()?.nativeElement.select(), { injector: this.injector });
  }

  protected cancel(): void {
    if (this.saving()) return;
    this.close();
  }

  /** Back to the value, with the focus on the Set button (not lost to the page). */
  private close(): void {
    this.editing.set(false);
    afterNextRender(() => this.setButton()?.nativeElement.focus(), { injector: this.injector });
  }

  protected save(): void {
    const type = this.draft.trim();
    if (!isMediaType(type)) {
      this.invalid.set(true);
      return;
    }
    this.invalid.set(false);
    this.saving.set(true);
    this.api.updateMetadata(this.feed(), this.path(), { type }).subscribe({
      next: () => {
        this.saving.set(false);
        this.changed.emit(type);
        this.close();
        this.snackBar.open(`Media type set to ${type}.`, undefined, { duration: 3000 });
      },
      error: (e: unknown) => {
        this.saving.set(false);
        this.snackBar.open(`Could not set the media type: ${errorMessage(e)}`, 'Dismiss');
      },
    });
  }
}
