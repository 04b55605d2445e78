import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  ElementRef,
  Injector,
  afterNextRender,
  computed,
  effect,
  inject,
  input,
  output,
  signal,
  untracked,
} from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormArray, FormControl, FormGroup, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatChipsModule, type MatChipEditedEvent, type MatChipInputEvent } from '@angular/material/chips';
import { ErrorStateMatcher, ShowOnDirtyErrorStateMatcher } from '@angular/material/core';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSlideToggleModule } from '@angular/material/slide-toggle';
import { MatSnackBar } from '@angular/material/snack-bar';
import { HttpErrorResponse } from '@angular/common/http';
import { COMMA, ENTER } from '@angular/cdk/keycodes';
import { type Feed, checkPathPattern } from '@stockroom/contracts';
import { errorMessage } from '../../core/http/api-error';
import { ErrorBanner } from '../../shared/error-banner';
import { FeedsApi } from '../feeds/feeds-api';
import {
  MAX_RULES,
  NO_CONDITION,
  type RetentionRuleJson,
  type RuleForm,
  describeRule,
  ruleErrorTarget,
  ruleForm,
  ruleJson,
  splitPatterns,
} from './retention-rules';

type EditorForm = FormGroup<{
  enabled: FormControl<boolean>;
  dryRun: FormControl<boolean>;
  rules: FormArray<RuleForm>;
}>;

/**
 * A directory's retention rules (kept in its feed JSON): the switches, then the ordered rules, each
 * a card with every condition; checked as typed the way the server checks them, saved together.
 */
@Component({
  selector: 'app-retention-rules-editor',
  imports: [
    ReactiveFormsModule,
    MatButtonModule,
    MatCheckboxModule,
    MatChipsModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
    MatSlideToggleModule,
    ErrorBanner,
  ],
  templateUrl: './retention-rules-editor.html',
  styleUrl: './retention-rules-editor.scss',
  providers: [{ provide: ErrorStateMatcher, useClass: ShowOnDirtyErrorStateMatcher }],
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { '(window:beforeunload)': 'beforeUnload($event)' },
})
export class RetentionRulesEditor {
  private readonly api = inject(FeedsApi);
  private readonly snackBar = inject(MatSnackBar);
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);
  private readonly injector = inject(Injector);
  private readonly destroyRef = inject(DestroyRef);

  readonly feed = input.required<string>();
  /** The rules as saved (after a load or a save). */
  readonly saved = output<Feed>();

  protected readonly form: EditorForm = new FormGroup({
    enabled: new FormControl(false, { nonNullable: true }),
    dryRun: new FormControl(false, { nonNullable: true }),
    rules: new FormArray<RuleForm>([]),
  });
  protected get rules(): FormArray<RuleForm> {
    return this.form.controls.rules;
  }

  protected readonly loading = signal(true);
  protected readonly loadError = signal<string | undefined>(undefined);
  protected readonly saving = signal(false);
  /** Save was tried: every problem shows, also on fields not yet touched. */
  protected readonly attempted = signal(false);
  /** The server's 400, next to the rule it names. */
  protected readonly serverErrors = signal<ReadonlyMap<RuleForm, string>>(new Map());
  /** A refusal that names no rule. */
  protected readonly generalError = signal<string | undefined>(undefined);

  private readonly savedFeed = signal<Feed | undefined>(undefined);
  private readonly savedSnapshot = signal('');
  private readonly currentSnapshot = signal('');
  /** Changes not saved yet. */
  readonly dirty = computed(() => this.savedFeed() !== undefined && this.savedSnapshot() !== this.currentSnapshot());
  /** The directory's own dry-run switch as saved. */
  readonly savedDryRun = computed(() => this.savedFeed()?.retentionDryRun === true);
  readonly savedRuleCount = computed(() => this.savedFeed()?.retentionRules.length ?? 0);

  protected readonly maxRules = MAX_RULES;
  protected readonly separators = [ENTER, COMMA] as const;
  protected readonly noCondition = NO_CONDITION;
  protected readonly describe = (rule: RuleForm) => describeRule(ruleJson(rule));
  protected readonly checkPathPattern = checkPathPattern;

  constructor() {
    this.form.valueChanges.pipe(takeUntilDestroyed()).subscribe(() => {
      this.currentSnapshot.set(this.snapshot());
      if (this.serverErrors().size > 0) this.serverErrors.set(new Map());
      this.generalError.set(undefined);
    });
    effect(() => {
      const feed = this.feed();
      untracked(() => this.load(feed));
    });
  }

  protected load(feed = this.feed()): void {
    this.loading.set(true);
    this.loadError.set(undefined);
    this.api
      .get(feed)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (f) => {
          this.reset(f);
          this.loading.set(false);
        },
        error: (e: unknown) => {
          this.loadError.set(errorMessage(e));
          this.loading.set(false);
        },
      });
  }

  /** Back to the saved rules. */
  protected discard(): void {
    const feed = this.savedFeed();
    if (feed) this.reset(feed);
  }

  protected addRule(): void {
    if (this.rules.length >= MAX_RULES) return;
    this.rules.push(ruleForm());
    const index = this.rules.length - 1;
    this.focusLater(`[data-rule-index="${index}"] input`);
  }

  protected removeRule(index: number): void {
    this.rules.removeAt(index);
    this.focusLater(
      this.rules.length > 0
        ? `[data-rule-index="${Math.min(index, this.rules.length - 1)}"] h3`
        : '[data-testid="add-rule"]',
    );
  }

  protected move(index: number, delta: -1 | 1): void {
    const target = index + delta;
    if (target < 0 || target >= this.rules.length) return;
    const rule = this.rules.at(index);
    this.rules.removeAt(index, { emitEvent: false });
    this.rules.insert(target, rule);
    // Keep the focus on the moved rule's button, or the other one when it reached an end.
    const edge = (delta < 0 && target === 0) || (delta > 0 && target === this.rules.length - 1);
    const button = edge ? (delta < 0 ? 'down' : 'up') : delta < 0 ? 'up' : 'down';
    this.focusLater(`[data-rule-index="${target}"] [data-move="${button}"]`);
  }

  protected addPatterns(control: FormControl<string[]>, event: MatChipInputEvent): void {
    const typed = splitPatterns(event.value);
    if (typed.length > 0) {
      const current = control.value;
      control.setValue([...current, ...typed.filter((p, i) => !current.includes(p) && typed.indexOf(p) === i)]);
      control.markAsDirty();
    }
    event.chipInput.clear();
  }

  protected removePattern(control: FormControl<string[]>, index: number): void {
    control.setValue(control.value.filter((_, i) => i !== index));
    control.markAsDirty();
  }

  protected editPattern(control: FormControl<string[]>, index: number, event: MatChipEditedEvent): void {
    const value = event.value.trim();
    control.setValue(
      value === ''
        ? control.value.filter((_, i) => i !== index)
        : control.value.map((p, i) => (i === index ? value : p)),
    );
    control.markAsDirty();
  }

  protected save(): void {
    if (this.saving() || this.loading()) return;
    this.attempted.set(true);
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      for (const rule of this.rules.controls) for (const c of Object.values(rule.controls)) c.markAsDirty();
      this.focusLater('.rule-card .mat-form-field-invalid input, .rule-card .condition-error');
      return;
    }
    const v = this.form.getRawValue();
    const rules = [...this.rules.controls];
    this.saving.set(true);
    const retentionRules: RetentionRuleJson[] = rules.map(ruleJson);
    this.api
      .update(this.feed(), {
        retentionRules,
        retentionRulesEnabled: v.enabled,
        retentionDryRun: v.dryRun,
      })
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (feed) => {
          this.saving.set(false);
          this.reset(feed);
          this.snackBar.open('Retention rules saved.', 'OK', { duration: 4000 });
        },
        error: (e: unknown) => {
          this.saving.set(false);
          const message = errorMessage(e);
          const target = e instanceof HttpErrorResponse && e.status === 400 ? ruleErrorTarget(message) : undefined;
          const rule = target ? rules[target.index] : undefined;
          if (rule) {
            this.serverErrors.set(new Map([[rule, message]]));
            this.focusLater(`[data-rule-index="${target?.index}"] .server-error`);
          } else {
            this.generalError.set(message);
          }
          this.snackBar.open(`Could not save the rules: ${message}`, 'OK', { duration: 8000 });
        },
      });
  }

  protected beforeUnload(event: BeforeUnloadEvent): void {
    if (this.dirty()) event.preventDefault();
  }

  private reset(feed: Feed): void {
    this.form.controls.enabled.setValue(feed.retentionRulesEnabled, { emitEvent: false });
    this.form.controls.dryRun.setValue(feed.retentionDryRun === true, { emitEvent: false });
    this.rules.clear({ emitEvent: false });
    for (const raw of feed.retentionRules ?? []) this.rules.push(ruleForm(raw), { emitEvent: false });
    this.form.markAsPristine();
    this.form.markAsUntouched();
    this.attempted.set(false);
    this.serverErrors.set(new Map());
    this.generalError.set(undefined);
    const snapshot = this.snapshot();
    this.savedSnapshot.set(snapshot);
    this.currentSnapshot.set(snapshot);
    this.savedFeed.set(feed);
    this.saved.emit(feed);
  }

  private snapshot(): string {
    const v = this.form.getRawValue();
    return JSON.stringify({ e: v.enabled, d: v.dryRun, r: this.rules.controls.map(ruleJson) });
  }

  private focusLater(selector: string): void {
    afterNextRender(
      () => {
        const element = this.host.nativeElement.querySelector<HTMLElement>(selector);
        element?.focus();
      },
      { injector: this.injector },
    );
  }
}
