import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import type { EntryKind } from './entries';

/** A small inline icon for a folder or a kind of file (decorative: the row says what it is). */
@Component({
  selector: 'app-entry-icon',
  template: `
    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false" [attr.data-kind]="kind()">
      @switch (kind()) {
        @case ('folder') {
          <path
            class="folder"
            d="M3 6.5A1.5 1.5 0 0 1 4.5 5h4.6l2 2h8.4A1.5 1.5 0 0 1 21 8.5v9a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 3 17.5z"
          />
        }
        @default {
          <path class="sheet" d="M6 3h8l4 4v13a1 1 0 0 1-1 1H6a1 1 0 0 1-1-1V4a1 1 0 0 1 1-1z" />
          <path class="fold" d="M14 3v4h4" />
          @switch (kind()) {
            @case ('image') {
              <path class="mark" d="M7.5 18l3-4 2 2.5 1.5-2 2.5 3.5z" />
            }
            @case ('archive') {
              <path class="mark" d="M10 5h2v2h-2zm2 2h2v2h-2zm-2 2h2v2h-2zm2 2h2v2h-2zm-2 2.5h4v3h-4z" />
            }
            @case ('text') {
              <path class="line" d="M8 11h8M8 14h8M8 17h5" />
            }
            @case ('audio') {
              <path class="mark" d="M10 17.5a1.5 1.5 0 1 1-1-1.4V10l6-1.5v7a1.5 1.5 0 1 1-1-1.4v-4.3l-4 1z" />
            }
            @case ('video') {
              <path class="mark" d="M9.5 11v6l5-3z" />
            }
          }
        }
      }
    </svg>
  `,
  styles: `
    :host {
      display: inline-flex;
    }
    .folder {
      fill: var(--mat-sys-primary);
    }
    .sheet {
      fill: var(--mat-sys-surface-container-highest);
      stroke: var(--mat-sys-outline);
    }
    .fold,
    .line {
      fill: none;
      stroke: var(--mat-sys-outline);
    }
    .mark {
      fill: var(--mat-sys-on-surface-variant);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class EntryIcon {
  readonly kind = input.required<EntryKind>();
}
