import { CdkVirtualScrollViewport, ScrollingModule } from '@angular/cdk/scrolling';
import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  computed,
  effect,
  inject,
  input,
  linkedSignal,
  output,
  untracked,
  viewChild,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { Router, RouterLink } from '@angular/router';
import { formatBytes, formatDate } from '../../shared/format';
import { browseLink, fileLink } from '../../shared/links';
import { type Entry, type SortColumn, type SortState, filterEntries, sortEntries } from './entries';
import { EntryIcon } from './entry-icon';

/** Row height in px: the virtual scroll's fixed item size (keep in step with the stylesheet). */
export const ROW_HEIGHT = 40;

interface Column {
  key: SortColumn;
  label: string;
}

const COLUMNS: Column[] = [
  { key: 'name', label: 'Name' },
  { key: 'size', label: 'Size' },
  { key: 'type', label: 'Type' },
  { key: 'modified', label: 'Modified' },
];

const count = new Intl.NumberFormat();

/**
 * One folder's entries as a keyboard-navigable grid: sort by column (folders first), filter by
 * name, select rows and ask to delete them. Rows are virtual (CDK, fixed height): 100,000 entries
 * render as the few dozen in view.
 */
@Component({
  selector: 'app-browse-listing',
  imports: [
    ScrollingModule,
    MatButtonModule,
    MatCheckboxModule,
    MatFormFieldModule,
    MatInputModule,
    RouterLink,
    EntryIcon,
  ],
  templateUrl: './browse-listing.html',
  styleUrl: './browse-listing.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class BrowseListing {
  readonly feed = input.required<string>();
  readonly folder = input.required<string>();
  readonly entries = input.required<readonly Entry[]>();
  /** The caller may delete: rows get a checkbox and a delete button. */
  readonly canDelete = input(false);
  /** A delete is running: no new one. */
  readonly busy = input(false);
  /** Shown when the folder is empty. */
  readonly emptyText = input('This folder is empty.');
  /** The user asked to delete these (the page confirms). */
  readonly deleteRequested = output<Entry[]>();

  private readonly router = inject(Router);
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);
  private readonly viewport = viewChild(CdkVirtualScrollViewport);

  protected readonly columns = COLUMNS;
  protected readonly rowHeight = ROW_HEIGHT;
  protected readonly formatBytes = formatBytes;
  protected readonly formatDate = formatDate;
  private readonly place = computed(() => `${this.feed()}/${this.folder()}`);

  /** Filter text: cleared in another folder. */
  readonly filterText = linkedSignal({ source: this.place, computation: () => '' });
  readonly sort = linkedSignal<string, SortState>({
    source: this.place,
    computation: (_, previous) => previous?.value ?? { column: 'name', direction: 'asc' },
  });
  /** Selected keys; what is gone from the folder is forgotten. */
  readonly selection = linkedSignal<readonly Entry[], ReadonlySet<string>>({
    source: this.entries,
    computation: (entries, previous) => {
      if (!previous || previous.value.size === 0) return new Set();
      const present = new Set(entries.map((e) => e.key));
      return new Set([...previous.value].filter((key) => present.has(key)));
    },
  });

  private readonly sorted = computed(() => sortEntries(this.entries(), this.sort()));
  protected readonly rows = computed(() => filterEntries(this.sorted(), this.filterText()));
  protected readonly selectedRows = computed(() => {
    const selection = this.selection();
    return selection.size === 0 ? [] : this.rows().filter((e) => selection.has(e.key));
  });
  protected readonly allSelected = computed(
    () => this.rows().length > 0 && this.selectedRows().length === this.rows().length,
  );
  protected readonly someSelected = computed(() => this.selectedRows().length > 0 && !this.allSelected());
  /** The row that takes the grid's tab stop (roving tabindex). */
  protected readonly activeIndex = linkedSignal<{ place: string; count: number }, number>({
    source: () => ({ place: this.place(), count: this.rows().length }),
    computation: (source, previous) =>
      previous && previous.source.place === source.place ? Math.max(0, Math.min(previous.value, source.count - 1)) : 0,
  });
  protected readonly status = computed(() => {
    const total = this.entries().length;
    const shown = this.rows().length;
    const noun = total === 1 ? 'item' : 'items';
    return shown === total
      ? `${count.format(total)} ${noun}`
      : `${count.format(shown)} of ${count.format(total)} ${noun}`;
  });

  constructor() {
    // Another folder starts at the top.
    let shown: string | undefined;
    effect(() => {
      const place = this.place();
      if (shown !== undefined && shown !== place) untracked(() => this.viewport()?.scrollToOffset(0));
      shown = place;
    });
  }

  protected link(entry: Entry): string[] {
    return entry.folder ? browseLink(this.feed(), entry.path) : fileLink(this.feed(), entry.path);
  }

  protected trackByKey = (_: number, entry: Entry): string => entry.key;

  protected sortBy(column: SortColumn): void {
    this.sort.update((s) =>
      s.column === column
        ? { column, direction: s.direction === 'asc' ? 'desc' : 'asc' }
        : { column, direction: 'asc' },
    );
  }

  protected ariaSort(column: SortColumn): 'ascending' | 'descending' | 'none' {
    const s = this.sort();
    return s.column !== column ? 'none' : s.direction === 'asc' ? 'ascending' : 'descending';
  }

  protected onFilter(value: string): void {
    this.filterText.set(value);
    this.viewport()?.scrollToOffset(0);
  }

  protected isSelected(entry: Entry): boolean {
    return this.selection().has(entry.key);
  }

  toggle(entry: Entry): void {
    this.selection.update((s) => {
      const next = new Set(s);
      if (!next.delete(entry.key)) next.add(entry.key);
      return next;
    });
  }

  /** Selects every shown (filtered) row, or clears them when all are selected. */
  protected toggleAll(): void {
    const rows = this.rows();
    const all = this.allSelected();
    this.selection.update((s) => {
      const next = new Set(s);
      for (const e of rows) {
        if (all) next.delete(e.key);
        else next.add(e.key);
      }
      return next;
    });
  }

  protected deleteSelected(): void {
    const rows = this.selectedRows();
    if (rows.length > 0) this.deleteRequested.emit(rows);
  }

  protected open(entry: Entry): void {
    void this.router.navigate(this.link(entry));
  }

  protected onRowKey(event: KeyboardEvent, entry: Entry, index: number): void {
    // Keys on the row's own controls (link, checkbox, button) do what those do.
    if (event.target !== event.currentTarget) return;
    const page = Math.max(1, Math.floor((this.viewport()?.getViewportSize() ?? 0) / ROW_HEIGHT) - 1);
    switch (event.key) {
      case 'Enter':
        this.open(entry);
        break;
      case ' ':
        if (this.canDelete()) this.toggle(entry);
        break;
      case 'Delete':
        if (this.canDelete() && !this.busy()) this.deleteRequested.emit([entry]);
        break;
      case 'ArrowDown':
        this.focusRow(index + 1);
        break;
      case 'ArrowUp':
        this.focusRow(index - 1);
        break;
      case 'PageDown':
        this.focusRow(index + page);
        break;
      case 'PageUp':
        this.focusRow(index - page);
        break;
      case 'Home':
        this.focusRow(0);
        break;
      case 'End':
        this.focusRow(this.rows().length - 1);
        break;
      default:
        return;
    }
    event.preventDefault();
  }

  protected onRowFocus(index: number): void {
    this.activeIndex.set(index);
  }

  /** Moves the tab stop to a row, scrolling it into view (it may not be rendered yet). */
  private focusRow(index: number, attempts = 6): void {
    const last = this.rows().length - 1;
    if (last < 0) return;
    const target = Math.max(0, Math.min(index, last));
    this.activeIndex.set(target);
    const row = this.host.nativeElement.querySelector<HTMLElement>(`[data-index="${target}"]`);
    if (row) {
      row.focus();
      row.scrollIntoView?.({ block: 'nearest' });
      return;
    }
    this.viewport()?.scrollToIndex(target);
    if (attempts > 0) requestAnimationFrame(() => this.focusRow(target, attempts - 1));
  }
}
