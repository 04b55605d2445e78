import {
  ChangeDetectionStrategy,
  Component,
  computed,
  effect,
  inject,
  input,
  linkedSignal,
  signal,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { errorMessage } from '../../core/http/api-error';
import { ErrorBanner } from '../../shared/error-banner';
import { formatBytes, formatDate } from '../../shared/format';
import { contentUrl, splitPath } from '../../shared/links';
import type { Entry } from '../browse/entries';
import { ConnectorApi } from './connector-api';

/**
 * What a `stockroom` connector's upstream offers in a folder (`dir/{folder}?upstream=true`), to
 * browse from the directory's browse view. Folders open here; a file's "Fetch" downloads it through
 * the connector, which keeps it in this directory from then on.
 */
@Component({
  selector: 'app-upstream-listing',
  imports: [MatButtonModule, ErrorBanner],
  template: `
    <nav aria-label="Upstream folders" class="crumbs" data-testid="upstream-breadcrumbs">
      <button mat-button type="button" (click)="here.set('')" [attr.aria-current]="here() === '' ? 'page' : null">
        Upstream
      </button>
      @for (crumb of crumbs(); track crumb.path) {
        <span aria-hidden="true">›</span>
        <button mat-button type="button" (click)="here.set(crumb.path)" [attr.aria-current]="$last ? 'page' : null">
          {{ crumb.name }}
        </button>
      }
    </nav>
    @if (error(); as message) {
      <app-error-banner
        action="Could not list the upstream's folder."
        [message]="message"
        [retryable]="true"
        [backLink]="undefined"
        (retry)="reload()"
      />
    } @else if (entries(); as list) {
      @if (list.length === 0) {
        <p class="muted" data-testid="upstream-empty">The upstream has nothing in this folder.</p>
      } @else {
        <div class="table-wrap">
          <table class="grid" data-testid="upstream-listing">
            <caption class="visually-hidden">
              The upstream's
              {{
                here() ? '/' + here() : 'top folder'
              }}
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col" class="number">Size</th>
                <th scope="col">Type</th>
                <th scope="col">Modified</th>
                <th scope="col"><span class="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              @for (entry of list; track entry.key) {
                <tr data-testid="upstream-row" [attr.data-name]="entry.name" [attr.data-folder]="entry.folder">
                  <td class="name">
                    @if (entry.folder) {
                      <button mat-button type="button" class="folder" (click)="here.set(entry.path)">
                        📁 {{ entry.name }}
                      </button>
                    } @else {
                      {{ entry.name }}
                    }
                  </td>
                  <td class="number">{{ entry.folder ? '' : bytes(entry.size) }}</td>
                  <td>{{ entry.folder ? 'Folder' : entry.type }}</td>
                  <td>{{ date(entry.modified) }}</td>
                  <td class="actions">
                    @if (!entry.folder && canDownload()) {
                      <a
                        mat-button
                        data-testid="upstream-fetch"
                        [href]="download(entry)"
                        download
                        [attr.aria-label]="'Fetch ' + entry.name + ' through the connector'"
                        >Fetch</a
                      >
                    }
                  </td>
                </tr>
              }
            </tbody>
          </table>
        </div>
      }
    } @else {
      <p class="muted" aria-live="polite">Loading…</p>
    }
  `,
  styles: `
    :host {
      display: block;
    }
    .crumbs {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.125rem;
      margin-bottom: 0.5rem;
    }
    .table-wrap {
      position: relative;
      overflow-x: auto;
    }
    .grid {
      width: 100%;
      border-collapse: collapse;
      font: var(--mat-sys-body-medium);
    }
    th {
      text-align: start;
      font: var(--mat-sys-label-large);
      padding: 0.25rem 0.5rem;
      border-bottom: 1px solid var(--mat-sys-outline-variant);
    }
    td {
      padding: 0.125rem 0.5rem;
      border-bottom: 1px solid var(--mat-sys-outline-variant);
      white-space: nowrap;
    }
    td.name {
      white-space: normal;
      overflow-wrap: anywhere;
    }
    .number {
      text-align: end;
    }
    .actions {
      text-align: end;
    }
    .muted {
      color: var(--mat-sys-on-surface-variant);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class UpstreamListing {
  private readonly api = inject(ConnectorApi);

  readonly feed = input.required<string>();
  /** Where to start (the browse view's folder). */
  readonly folder = input('');
  readonly canDownload = input(false);

  /** The upstream folder shown. */
  protected readonly here = linkedSignal(() => splitPath(this.folder()).join('/'));
  protected readonly crumbs = computed(() => {
    const segments = splitPath(this.here());
    return segments.map((name, i) => ({ name, path: segments.slice(0, i + 1).join('/') }));
  });
  protected readonly entries = signal<Entry[] | undefined>(undefined);
  protected readonly error = signal<string | undefined>(undefined);
  private readonly reloads = signal(0);
  protected readonly bytes = formatBytes;
  protected readonly date = formatDate;

  constructor() {
    effect((onCleanup) => {
      const feed = this.feed();
      const folder = this.here();
      this.reloads();
      this.entries.set(undefined);
      this.error.set(undefined);
      const request = this.api.upstreamListing(feed, folder).subscribe({
        next: (entries) =>
          this.entries.set(
            [...entries].sort((a, b) => Number(b.folder) - Number(a.folder) || a.lowerName.localeCompare(b.lowerName)),
          ),
        error: (e: unknown) => this.error.set(errorMessage(e)),
      });
      onCleanup(() => request.unsubscribe());
    });
  }

  reload(): void {
    this.reloads.update((n) => n + 1);
  }

  protected download(entry: Entry): string {
    return contentUrl(this.feed(), entry.path);
  }
}
