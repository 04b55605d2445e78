import type { ListRange } from '@angular/cdk/collections';
import { CdkVirtualScrollViewport, ScrollingModule } from '@angular/cdk/scrolling';
import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  Injector,
  afterNextRender,
  computed,
  effect,
  inject,
  input,
  linkedSignal,
  output,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatMenuModule } from '@angular/material/menu';
import { Router, RouterLink } from '@angular/router';
import { formatBytes, formatDate } from '../../shared/format';
import { browseLink, fileLink } from '../../shared/links';
import { type Entry, type SortColumn, type SortState, filterEntries, sortEntries } from './entries';
import { EntryIcon } from './entry-icon';
import type { TransferMode } from './transfer-dialog';

/** The user asked to rename, move or copy these (the page opens the dialog). */
export interface TransferRequest {
  mode: TransferMode;
  entries: Entry[];
}

/** Rows dragged onto a folder row of the same listing: move them into it. */
export interface MoveDrop {
  entries: Entry[];
  folder: Entry;
}

/** The drag data type of rows dragged within the console (never `Files`: the upload drop zone ignores it). */
export const ENTRIES_DRAG_TYPE = 'application/x-stockroom-entries';

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
    MatMenuModule,
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
  /** The caller may rename and move (Delete here, Add somewhere): row menu, Move…, drag onto a folder. */
  readonly canMove = input(false);
  /** The caller may copy (Download here, Add somewhere): row menu and Copy…. */
  readonly canCopy = input(false);
  /** [ext] The caller may create share links (Download and Feeds_ShareAsset): row menu "Share link…". */
  readonly canShare = input(false);
  /** The user asked to delete these (the page confirms). */
  readonly deleteRequested = output<Entry[]>();
  readonly transferRequested = output<TransferRequest>();
  readonly moveDropped = output<MoveDrop>();
  /** "Share link…" on a row (the page opens the dialog). */
  readonly shareRequested = output<Entry>();

  private readonly router = inject(Router);
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);
  private readonly injector = inject(Injector);
  private readonly viewport = viewChild(CdkVirtualScrollViewport);
  private readonly filterInput = viewChild<ElementRef<HTMLInputElement>>('filterInput');

  protected readonly columns = COLUMNS;
  /** Rows get checkboxes and a menu when anything can be done with them. */
  protected readonly selectable = computed(
    () => this.canDelete() || this.canMove() || this.canCopy() || this.canShare(),
  );
  /** The folder row a drag is over (its key). */
  protected readonly dropTarget = signal<string | undefined>(undefined);
  /** The rows being dragged (set on dragstart of this listing). */
  private dragged: Entry[] = [];
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
  /** The rows the virtual scroll has in the DOM, and the first one in view. */
  private readonly rendered = signal<ListRange>({ start: 0, end: 0 });
  protected readonly firstVisible = signal(0);
  /**
   * The one row with tabindex 0: the active row while it is rendered, else the first one in view
   * (it becomes active when focused). Without this, Tab would skip the grid once the active row
   * has been scrolled out of the DOM.
   */
  protected readonly tabStop = computed(() => {
    const count = this.rows().length;
    if (count === 0) return -1;
    const active = this.activeIndex();
    const { start, end } = this.rendered();
    if (end <= start || (active >= start && active < end)) return active;
    return Math.max(start, Math.min(this.firstVisible(), end - 1, count - 1));
  });
  /** Key of the row toggled last: the start of a Shift+click / Shift+Space range. */
  private anchorKey?: string;
  /** The click being handled had Shift down (seen before the checkbox reports its change). */
  private shiftClick = false;
  /** A delete asked from the keyboard: where focus goes once it is done. */
  private focusAfterDelete?: number;
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

    effect((onCleanup) => {
      const viewport = this.viewport();
      if (!viewport) return;
      const subscription = viewport.renderedRangeStream.subscribe((range) => this.rendered.set(range));
      onCleanup(() => subscription.unsubscribe());
    });

    // A delete asked from the keyboard took the focused row away: focus the row in its place.
    let wasBusy = false;
    effect(() => {
      const busy = this.busy();
      if (wasBusy && !busy && this.focusAfterDelete !== undefined) {
        const index = this.focusAfterDelete;
        this.focusAfterDelete = undefined;
        afterNextRender(() => this.refocus(index), { injector: this.injector });
      }
      wasBusy = busy;
    });

    // Capture phase: the checkbox reports its change before a click bubbles up here.
    this.host.nativeElement.addEventListener('click', (event) => (this.shiftClick = event.shiftKey), true);
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
    this.anchorKey = entry.key;
    this.selection.update((s) => {
      const next = new Set(s);
      if (!next.delete(entry.key)) next.add(entry.key);
      return next;
    });
  }

  /**
   * Toggles a row; with Shift, every row from the last toggled one to this one takes the state
   * this row goes to (as file managers do). The range's end becomes the next range's start.
   */
  protected toggleRange(entry: Entry, index: number, range: boolean): void {
    const rows = this.rows();
    const from = range && this.anchorKey !== undefined ? rows.findIndex((e) => e.key === this.anchorKey) : -1;
    if (from < 0) {
      this.toggle(entry);
      return;
    }
    const select = !this.isSelected(entry);
    const [low, high] = from < index ? [from, index] : [index, from];
    this.anchorKey = entry.key;
    this.selection.update((s) => {
      const next = new Set(s);
      for (const e of rows.slice(low, high + 1)) {
        if (select) next.add(e.key);
        else next.delete(e.key);
      }
      return next;
    });
  }

  /** The row's checkbox changed (by a click: Shift+click selects a range). */
  protected onCheck(entry: Entry, index: number): void {
    const range = this.shiftClick;
    this.shiftClick = false;
    this.toggleRange(entry, index, range);
  }

  /** Shift+click on a row outside its link and controls selects a range, too. */
  protected onRowClick(event: MouseEvent, entry: Entry, index: number): void {
    if (!event.shiftKey || !this.selectable()) return;
    if ((event.target as Element).closest('a, button, mat-checkbox')) return;
    event.preventDefault();
    this.toggleRange(entry, index, true);
  }

  /** Shift+mousedown on a row would select its text: not what a range click means. */
  protected onRowMouseDown(event: MouseEvent): void {
    if (event.shiftKey && this.selectable() && !(event.target as Element).closest('a')) event.preventDefault();
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

  /** `event.detail` is 0 for a click made with the keyboard (Enter or Space on the button). */
  protected deleteSelected(event?: MouseEvent): void {
    const rows = this.selectedRows();
    if (rows.length === 0) return;
    this.requestDelete(rows, event?.detail === 0);
  }

  protected deleteFromMenu(entry: Entry): void {
    this.requestDelete([entry], false);
  }

  protected deleteOne(entry: Entry, event: MouseEvent): void {
    this.requestDelete([entry], event.detail === 0);
  }

  private requestDelete(entries: Entry[], fromKeyboard: boolean): void {
    // Focus goes to the row that takes the place of the first one deleted.
    const first = new Set(entries.map((e) => e.key));
    this.focusAfterDelete = fromKeyboard ? this.rows().findIndex((e) => first.has(e.key)) : undefined;
    this.deleteRequested.emit(entries);
  }

  protected transferSelected(mode: TransferMode): void {
    const rows = this.selectedRows();
    if (rows.length > 0) this.transferRequested.emit({ mode, entries: rows });
  }

  protected transferOne(mode: TransferMode, entry: Entry): void {
    this.transferRequested.emit({ mode, entries: [entry] });
  }

  // Drag rows onto a folder row: a move -----------------------------------------------------

  /** Dragging a selected row drags the whole selection; any other row goes alone. */
  protected onDragStart(event: DragEvent, entry: Entry): void {
    if (!this.canMove() || this.busy() || !event.dataTransfer) {
      event.preventDefault();
      return;
    }
    const selected = this.selectedRows();
    this.dragged = this.isSelected(entry) && selected.length > 0 ? selected : [entry];
    event.dataTransfer.effectAllowed = 'move';
    event.dataTransfer.setData(ENTRIES_DRAG_TYPE, this.dragged.map((e) => e.path).join('\n'));
    event.dataTransfer.setData('text/plain', this.dragged.map((e) => e.name).join('\n'));
  }

  protected onDragEnd(): void {
    this.dragged = [];
    this.dropTarget.set(undefined);
  }

  /** A folder row accepts rows of this listing, except itself and the folders being dragged. */
  private accepts(event: DragEvent, target: Entry): boolean {
    if (!target.folder || this.dragged.length === 0) return false;
    if (!Array.from(event.dataTransfer?.types ?? []).includes(ENTRIES_DRAG_TYPE)) return false;
    return !this.dragged.some((e) => e.key === target.key);
  }

  protected onDragOver(event: DragEvent, target: Entry): void {
    if (!this.accepts(event, target) || !event.dataTransfer) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'move';
    if (this.dropTarget() !== target.key) this.dropTarget.set(target.key);
  }

  protected onDragLeave(target: Entry): void {
    if (this.dropTarget() === target.key) this.dropTarget.set(undefined);
  }

  protected onDrop(event: DragEvent, target: Entry): void {
    if (!this.accepts(event, target)) return;
    event.preventDefault();
    event.stopPropagation();
    const entries = this.dragged;
    this.onDragEnd();
    this.moveDropped.emit({ entries, folder: target });
  }

  /** After a delete: the row now at `index` (or the last one), or the filter box when none is left. */
  private refocus(index: number): void {
    // The user went on elsewhere meanwhile: leave the focus there.
    const active = this.host.nativeElement.ownerDocument.activeElement;
    if (active && active !== this.host.nativeElement.ownerDocument.body && !this.host.nativeElement.contains(active)) {
      return;
    }
    if (this.rows().length === 0) this.filterInput()?.nativeElement.focus();
    else this.focusRow(Math.max(0, index));
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
        if (this.selectable()) this.toggleRange(entry, index, event.shiftKey);
        break;
      case 'ContextMenu':
        (event.currentTarget as HTMLElement).querySelector<HTMLButtonElement>('[data-testid=entry-menu]')?.click();
        break;
      case 'F10':
        if (!event.shiftKey) return;
        (event.currentTarget as HTMLElement).querySelector<HTMLButtonElement>('[data-testid=entry-menu]')?.click();
        break;
      case 'F2':
        if (this.canMove() && !this.busy()) this.transferRequested.emit({ mode: 'rename', entries: [entry] });
        break;
      case 'Delete':
        if (this.canDelete() && !this.busy()) this.requestDelete([entry], true);
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
    const row = this.rowElement(target);
    if (row) {
      row.focus();
      row.scrollIntoView?.({ block: 'nearest' });
      return;
    }
    this.viewport()?.scrollToIndex(target);
    if (attempts > 0) requestAnimationFrame(() => this.focusRow(target, attempts - 1));
  }

  /** The rendered row of `rows()[index]`; not one the view has yet to update (a deleted row). */
  private rowElement(index: number): HTMLElement | undefined {
    const name = this.rows()[index]?.name;
    const candidates = this.host.nativeElement.querySelectorAll<HTMLElement>(`[data-index="${index}"]`);
    return Array.from(candidates).find((row) => row.dataset['name'] === name);
  }
}
