import { type AbstractControl, FormControl, FormGroup, type ValidationErrors, type ValidatorFn } from '@angular/forms';
import {
  RETENTION_INTEGER_BOUNDS,
  RETENTION_MAX_PATTERNS as MAX_PATTERNS,
  RETENTION_MAX_RULES,
  type RetentionIntegerBounds,
  type RetentionIntegerField,
  type RetentionPatternField,
  type RetentionRule,
  checkPathPattern,
} from '@stockroom/contracts';

/**
 * The retention rule fields as the server reads them, with the same bounds (@stockroom/contracts)
 * and checks, so mistakes show while typing instead of as a 400 after saving.
 */
export type IntegerField = RetentionIntegerField;
export type PatternField = RetentionPatternField;

export interface IntegerSpec extends RetentionIntegerBounds {
  name: IntegerField;
}

export const MAX_RULES = RETENTION_MAX_RULES;

export const INTEGER_FIELDS: Record<IntegerField, IntegerSpec> = {
  deleteOlderThanDays: { name: 'deleteOlderThanDays', ...RETENTION_INTEGER_BOUNDS.deleteOlderThanDays },
  keepUsedWithinDays: { name: 'keepUsedWithinDays', ...RETENTION_INTEGER_BOUNDS.keepUsedWithinDays },
  triggerDownloadCount: { name: 'triggerDownloadCount', ...RETENTION_INTEGER_BOUNDS.triggerDownloadCount },
  keepLatestCount: { name: 'keepLatestCount', ...RETENTION_INTEGER_BOUNDS.keepLatestCount },
  sizeTriggerKb: { name: 'sizeTriggerKb', ...RETENTION_INTEGER_BOUNDS.sizeTriggerKb },
};

/** The rule as the server stores it: only the fields that are set, in the server's order. */
export type RetentionRuleJson = RetentionRule;

export type RuleForm = FormGroup<{
  deletePackageIds: FormControl<string[]>;
  keepPackageIds: FormControl<string[]>;
  deleteOlderThanDays: FormControl<string>;
  keepUsedWithinDays: FormControl<string>;
  triggerDownloadCount: FormControl<string>;
  keepLatestCount: FormControl<string>;
  sizeTriggerKb: FormControl<string>;
  sizeExclusive: FormControl<boolean>;
}>;

export const NO_CONDITION =
  'This rule has no condition: it would delete every file. Set at least one of: delete patterns, ' +
  'older than, not used within, downloaded at most, keep the latest, size quota.';

const patternsValidator: ValidatorFn = (control: AbstractControl<string[]>): ValidationErrors | null => {
  const patterns = control.value ?? [];
  if (patterns.length > MAX_PATTERNS)
    return { rule: `${patterns.length} patterns; at most ${MAX_PATTERNS} are allowed.` };
  for (const pattern of patterns) {
    const problem = checkPathPattern(pattern);
    if (problem) return { rule: `${JSON.stringify(pattern)} ${problem}.` };
  }
  return null;
};

/** The problem with a typed integer field ('' = not set), or undefined. */
export function integerProblem(text: string, spec: IntegerSpec): string | undefined {
  const value = text.trim();
  if (value === '') return undefined;
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < spec.min) return `Must be ${spec.expected}.`;
  if (spec.max !== undefined && n > spec.max) return `Must be at most ${spec.max} (100 years).`;
  return undefined;
}

function integerValidator(spec: IntegerSpec): ValidatorFn {
  return (control: AbstractControl<string>) => {
    const problem = integerProblem(control.value ?? '', spec);
    return problem ? { rule: problem } : null;
  };
}

const SELECTING: readonly (PatternField | IntegerField)[] = [
  'deletePackageIds',
  'deleteOlderThanDays',
  'keepUsedWithinDays',
  'triggerDownloadCount',
  'sizeTriggerKb',
  'keepLatestCount',
];

const conditionValidator: ValidatorFn = (group: AbstractControl): ValidationErrors | null => {
  const v = (group as RuleForm).getRawValue();
  const set = SELECTING.some((f) => {
    const value = v[f];
    return Array.isArray(value) ? value.length > 0 : value.trim() !== '';
  });
  return set ? null : { noCondition: NO_CONDITION };
};

/** Reads a stored rule (field names in any case, as pgutil may have sent them) into a form. */
export function ruleForm(raw: unknown = {}): RuleForm {
  const source = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const get = (name: string): unknown => {
    const key = Object.keys(source).find((k) => k.toLowerCase() === name.toLowerCase());
    return key === undefined ? undefined : source[key];
  };
  const patterns = (name: PatternField) =>
    new FormControl<string[]>(Array.isArray(get(name)) ? (get(name) as unknown[]).map(String) : [], {
      nonNullable: true,
      validators: patternsValidator,
    });
  const integer = (name: IntegerField) => {
    const value = get(name);
    return new FormControl<string>(typeof value === 'number' ? String(value) : '', {
      nonNullable: true,
      validators: integerValidator(INTEGER_FIELDS[name]),
    });
  };
  return new FormGroup(
    {
      deletePackageIds: patterns('deletePackageIds'),
      keepPackageIds: patterns('keepPackageIds'),
      deleteOlderThanDays: integer('deleteOlderThanDays'),
      keepUsedWithinDays: integer('keepUsedWithinDays'),
      triggerDownloadCount: integer('triggerDownloadCount'),
      keepLatestCount: integer('keepLatestCount'),
      sizeTriggerKb: integer('sizeTriggerKb'),
      sizeExclusive: new FormControl<boolean>(get('sizeExclusive') === true, { nonNullable: true }),
    },
    { validators: conditionValidator },
  );
}

/** The JSON the server expects for one rule: only set fields; sizeExclusive only with a quota. */
export function ruleJson(form: RuleForm): RetentionRuleJson {
  const v = form.getRawValue();
  const rule: RetentionRuleJson = {};
  if (v.deletePackageIds.length > 0) rule.deletePackageIds = [...v.deletePackageIds];
  if (v.keepPackageIds.length > 0) rule.keepPackageIds = [...v.keepPackageIds];
  for (const name of Object.keys(INTEGER_FIELDS) as IntegerField[]) {
    const text = v[name].trim();
    if (text !== '') rule[name] = Number(text);
  }
  if (rule.sizeTriggerKb !== undefined) rule.sizeExclusive = v.sizeExclusive;
  return rule;
}

/**
 * Where a 400 from the server belongs: `retentionRules[2].keepUsedWithinDays must be …` → rule
 * index 2, field keepUsedWithinDays. Undefined when the message names no rule.
 */
export function ruleErrorTarget(message: string): { index: number; field?: string } | undefined {
  const match = /retentionRules\[(\d+)\](?:\.([A-Za-z]+))?/.exec(message);
  if (!match) return undefined;
  return { index: Number(match[1]), ...(match[2] ? { field: match[2] } : {}) };
}

/** Splits what was typed or pasted into a pattern list ("*.zip, *.tmp" → two patterns). */
export function splitPatterns(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
}

/** A one-line summary, as the server's describeRule says it (for the card's title). */
export function describeRule(rule: RetentionRuleJson): string {
  const quote = (patterns: string[]) => patterns.map((p) => `"${p}"`).join(' or ');
  const parts = [rule.deletePackageIds ? `Delete files matching ${quote(rule.deletePackageIds)}` : 'Delete files'];
  const conditions: string[] = [];
  if (rule.deleteOlderThanDays !== undefined)
    conditions.push(`modified more than ${days(rule.deleteOlderThanDays)} ago`);
  if (rule.keepUsedWithinDays !== undefined) conditions.push(`not used within ${days(rule.keepUsedWithinDays)}`);
  if (rule.triggerDownloadCount !== undefined)
    conditions.push(`downloaded at most ${plural(rule.triggerDownloadCount, 'time')}`);
  if (conditions.length > 0) parts.push(conditions.join(', '));
  let line = parts.join(' ');
  if (rule.keepPackageIds) line += `, except ${quote(rule.keepPackageIds)}`;
  if (rule.keepLatestCount !== undefined)
    line += `, keeping the ${rule.keepLatestCount === 1 ? 'newest' : `${rule.keepLatestCount} newest`} per folder`;
  if (rule.sizeTriggerKb !== undefined)
    line += `, only while ${rule.sizeExclusive ? 'the matching files hold' : 'the directory holds'} more than ${rule.sizeTriggerKb} KiB`;
  return line;
}

const days = (n: number) => plural(n, 'day');
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
