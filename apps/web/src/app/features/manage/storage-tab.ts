import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  computed,
  effect,
  inject,
  input,
  signal,
  untracked,
} from '@angular/core';
import { KeyValuePipe } from '@angular/common';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { MatSnackBar } from '@angular/material/snack-bar';
import type {
  StorageKind,
  StorageMove,
  StorageSettings,
  StorageTestResult,
  StorageTypeInfo,
} from '@stockroom/contracts';
import { type Subscription, firstValueFrom, forkJoin, of, switchMap, takeWhile, timer } from 'rxjs';
import { catchError, map } from 'rxjs/operators';
import { errorMessage } from '../../core/http/api-error';
import { ErrorBanner } from '../../shared/error-banner';
import { formatBytes, formatDate } from '../../shared/format';
import { storageName } from '../feeds/delete-feed';
import { StorageApi, type StorageSettingsRequest } from './storage-api';

/** How often a running move's progress is asked for. */
export const MOVE_POLL_MS = 1000;

type PropertyForm = FormGroup<Record<string, FormControl<string | boolean>>>;

/**
 * The storage tab: the provider and its properties (secrets shown masked and kept unless
 * retyped), a connection test, saving; and, while the directory's files move to the new storage,
 * the move's progress (polled every second), its errors and a retry.
 */
@Component({
  selector: 'app-storage-tab',
  imports: [
    ReactiveFormsModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    MatCheckboxModule,
    MatButtonModule,
    MatProgressBarModule,
    ErrorBanner,
    KeyValuePipe,
  ],
  templateUrl: './storage-tab.html',
  styleUrl: './storage-tab.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class StorageTab {
  private readonly api = inject(StorageApi);
  private readonly snackBar = inject(MatSnackBar);

  readonly feed = input.required<string>();

  /** Undefined while loading; types undefined when the server would not list them (not an administrator). */
  protected readonly loaded = signal<
    { types?: StorageTypeInfo[]; typesError?: string; current: StorageSettings } | undefined
  >(undefined);
  protected readonly loadError = signal<string | undefined>(undefined);
  protected readonly kind = signal<StorageKind>('disk');
  protected readonly form = signal<PropertyForm>(new FormGroup({}));
  protected readonly testing = signal(false);
  protected readonly testResult = signal<StorageTestResult | undefined>(undefined);
  protected readonly saving = signal(false);
  protected readonly formError = signal<string | undefined>(undefined);

  protected readonly move = signal<StorageMove | undefined>(undefined);
  protected readonly moveError = signal<string | undefined>(undefined);
  protected readonly retrying = signal(false);
  private polling?: Subscription;
  private readonly reloads = signal(0);

  protected readonly typeInfo = computed(() => this.loaded()?.types?.find((t) => t.id === this.kind()));
  protected readonly movePercent = computed(() => {
    const m = this.move();
    if (!m) return 0;
    if (m.state === 'completed') return 100;
    const ratio = m.totalBytes > 0 ? m.copiedBytes / m.totalBytes : m.totalFiles > 0 ? m.copiedFiles / m.totalFiles : 0;
    return Math.min(100, Math.round(ratio * 100));
  });
  protected readonly formatBytes = formatBytes;
  protected readonly formatDate = formatDate;
  protected readonly storageName = storageName;

  constructor() {
    inject(DestroyRef).onDestroy(() => this.polling?.unsubscribe());
    effect((onCleanup) => {
      const feed = this.feed();
      this.reloads();
      untracked(() => {
        this.loaded.set(undefined);
        this.loadError.set(undefined);
        this.testResult.set(undefined);
        this.stopPolling();
        this.move.set(undefined);
      });
      const request = forkJoin({
        // Only administrators may list the types: others still see (and test) the current settings.
        types: this.api.types().pipe(
          map((types) => ({ types, typesError: undefined as string | undefined })),
          catchError((e: unknown) => of({ types: undefined, typesError: errorMessage(e) })),
        ),
        current: this.api.get(feed),
      }).subscribe({
        next: ({ types, current }) => {
          this.loaded.set({ types: types.types, typesError: types.typesError, current });
          this.edit(current.id, current);
          if (current.move) this.follow(current.move);
        },
        error: (e: unknown) => this.loadError.set(errorMessage(e)),
      });
      onCleanup(() => request.unsubscribe());
    });
  }

  protected reload(): void {
    this.reloads.update((n) => n + 1);
  }

  /** Picks a provider: its properties, pre-filled from the saved settings when it is the same provider. */
  protected edit(kind: StorageKind, from?: StorageSettings): void {
    this.kind.set(kind);
    this.testResult.set(undefined);
    this.formError.set(undefined);
    const saved = from ?? this.loaded()?.current;
    const values = saved?.id === kind ? saved.properties : {};
    const info = this.loaded()?.types?.find((t) => t.id === kind);
    const controls: Record<string, FormControl<string | boolean>> = {};
    for (const property of info?.properties ?? []) {
      const value = values[property.name];
      controls[property.name] = new FormControl<string | boolean>(
        property.type === 'boolean' ? value === true : typeof value === 'string' ? value : '',
        { nonNullable: true, validators: property.required ? Validators.required : [] },
      );
    }
    this.form.set(new FormGroup(controls));
  }

  /** The settings as the form has them: empty strings left out (the server's default). */
  private request(): StorageSettingsRequest {
    const properties: Record<string, string | boolean> = {};
    for (const [name, value] of Object.entries(this.form().getRawValue())) {
      if (typeof value === 'boolean' || value.trim() !== '')
        properties[name] = typeof value === 'string' ? value.trim() : value;
    }
    return { id: this.kind(), properties };
  }

  private check(): boolean {
    if (this.form().valid) return true;
    this.form().markAllAsTouched();
    return false;
  }

  protected async test(): Promise<void> {
    if (this.testing() || !this.check()) return;
    this.testing.set(true);
    this.testResult.set(undefined);
    this.formError.set(undefined);
    try {
      this.testResult.set(await firstValueFrom(this.api.test(this.feed(), this.request())));
    } catch (e) {
      this.formError.set(errorMessage(e));
    } finally {
      this.testing.set(false);
    }
  }

  protected async save(): Promise<void> {
    if (this.saving() || !this.check()) return;
    this.saving.set(true);
    this.formError.set(undefined);
    try {
      const saved = await firstValueFrom(this.api.save(this.feed(), this.request()));
      const { move, ...current } = saved;
      this.loaded.update((l) => (l ? { ...l, current } : l));
      this.edit(current.id, current);
      if (move) {
        this.follow(move);
        this.snackBar.open(`Storage saved. Moving ${move.totalFiles.toLocaleString()} files…`, 'OK', {
          duration: 5000,
        });
      } else {
        this.snackBar.open('Storage saved.', 'OK', { duration: 4000 });
      }
    } catch (e) {
      this.formError.set(errorMessage(e));
    } finally {
      this.saving.set(false);
    }
  }

  protected async retry(): Promise<void> {
    const move = this.move();
    if (!move || this.retrying()) return;
    this.retrying.set(true);
    try {
      this.follow(await firstValueFrom(this.api.retryMove(move.id)));
    } catch (e) {
      this.snackBar.open(`Could not retry the move: ${errorMessage(e)}`, 'OK');
    } finally {
      this.retrying.set(false);
    }
  }

  /** Shows the move, and while it copies asks for its progress every second. */
  protected follow(move: StorageMove): void {
    this.stopPolling();
    this.move.set(move);
    this.moveError.set(undefined);
    if (move.state !== 'copying') return;
    this.polling = timer(MOVE_POLL_MS, MOVE_POLL_MS)
      .pipe(
        switchMap(() => this.api.move(move.id)),
        takeWhile((m) => m.state === 'copying', true),
      )
      .subscribe({
        next: (m) => this.move.set(m),
        error: (e: unknown) => this.moveError.set(errorMessage(e)),
      });
  }

  protected checkAgain(): void {
    const move = this.move();
    if (move) this.follow(move);
  }

  private stopPolling(): void {
    this.polling?.unsubscribe();
    this.polling = undefined;
  }
}
