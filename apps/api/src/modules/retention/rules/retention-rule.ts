import {
  RETENTION_INTEGER_BOUNDS as BOUNDS,
  RETENTION_MAX_PATTERNS as MAX_PATTERNS,
  RETENTION_MAX_RULES as MAX_RULES,
  type RetentionIntegerBounds,
  type RetentionIntegerField as IntegerField,
  type RetentionRule,
} from '@stockroom/contracts';
import { badRequest } from '../../../common/errors/app-error';
import { checkPathPattern } from './path-pattern';

/** The rule's shape and bounds live in @stockroom/contracts: the console checks the same ones. */
export type { RetentionRule };

/** The accepted fields in output order; integers carry their bounds and how to say them. */
const FIELDS: readonly (
  | { name: 'deletePackageIds' | 'keepPackageIds'; kind: 'patterns' }
  | ({ name: IntegerField; kind: 'integer' } & RetentionIntegerBounds)
  | { name: 'sizeExclusive'; kind: 'boolean' }
)[] = [
  { name: 'deletePackageIds', kind: 'patterns' },
  { name: 'keepPackageIds', kind: 'patterns' },
  { name: 'deleteOlderThanDays', kind: 'integer', ...BOUNDS.deleteOlderThanDays },
  { name: 'keepUsedWithinDays', kind: 'integer', ...BOUNDS.keepUsedWithinDays },
  { name: 'triggerDownloadCount', kind: 'integer', ...BOUNDS.triggerDownloadCount },
  { name: 'keepLatestCount', kind: 'integer', ...BOUNDS.keepLatestCount },
  { name: 'sizeTriggerKb', kind: 'integer', ...BOUNDS.sizeTriggerKb },
  { name: 'sizeExclusive', kind: 'boolean' },
];

/** ProGet fields about package versions and consumers; pgutil sends them all, empty. */
const INAPPLICABLE: Record<string, string> = {
  deleteprereleaseversions: 'deletePrereleaseVersions',
  deletecached: 'deleteCached',
  keepversionscount: 'keepVersionsCount',
  keepversions: 'keepVersions',
  deleteversions: 'deleteVersions',
  keepconsumedwithindays: 'keepConsumedWithinDays',
  keepifactivelyconsumed: 'keepIfActivelyConsumed',
  keeppackageusageremoveddays: 'keepPackageUsageRemovedDays',
};

const BY_LOWER_NAME = new Map(FIELDS.map((f) => [f.name.toLowerCase(), f]));

/** Fields of which at least one must be set, or the rule would select every file. */
const SELECTING: readonly (keyof RetentionRule)[] = [
  'deletePackageIds',
  'deleteOlderThanDays',
  'keepUsedWithinDays',
  'triggerDownloadCount',
  'sizeTriggerKb',
  'keepLatestCount',
];

/**
 * Validates a directory's `retentionRules` as ProGet's feed API and pgutil send them (field names
 * in any case) and returns them normalised. Throws 400 naming the first bad field.
 */
export function parseRetentionRules(raw: unknown): RetentionRule[] {
  if (!Array.isArray(raw)) throw badRequest('retentionRules must be an array of rules.');
  if (raw.length > MAX_RULES)
    throw badRequest(`retentionRules has ${raw.length} rules; at most ${MAX_RULES} are allowed.`);
  return raw.map((element, index) => parseRule(element, `retentionRules[${index}]`));
}

function parseRule(raw: unknown, at: string): RetentionRule {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw badRequest(`${at} must be an object with the rule's fields.`);
  const values = new Map<string, unknown>();
  const seen = new Map<string, string>();
  for (const [key, value] of Object.entries(raw)) {
    const lower = key.toLowerCase();
    const earlier = seen.get(lower);
    if (earlier !== undefined) throw badRequest(`${at} gives the field ${key} twice (also as ${earlier}).`);
    seen.set(lower, key);
    const inapplicable = INAPPLICABLE[lower];
    if (inapplicable !== undefined) {
      if (!isEmptyValue(value)) throw badRequest(inapplicableMessage(`${at}.${inapplicable}`, inapplicable));
      continue;
    }
    if (!BY_LOWER_NAME.has(lower)) throw badRequest(`${at}.${key} is an unknown field.`);
    values.set(lower, value);
  }

  const rule: RetentionRule = {};
  for (const field of FIELDS) {
    const value = values.get(field.name.toLowerCase());
    if (value === undefined || value === null) continue;
    const name = `${at}.${field.name}`;
    switch (field.kind) {
      case 'patterns': {
        const patterns = parsePatterns(value, name);
        if (patterns.length > 0) rule[field.name] = patterns;
        break;
      }
      case 'integer':
        rule[field.name] = parseInteger(value, name, field);
        break;
      case 'boolean':
        if (typeof value !== 'boolean') throw badRequest(`${name} must be true or false.`);
        // Ignored without a quota, as in ProGet; left out so the stored rule says what applies
        // (sizeTriggerKb comes earlier in FIELDS, so it is already parsed).
        if (rule.sizeTriggerKb !== undefined) rule.sizeExclusive = value;
        break;
    }
  }
  if (!SELECTING.some((f) => rule[f] !== undefined))
    throw badRequest(
      `${at} has no condition: it would delete every file. Set at least one of deletePackageIds, ` +
        'deleteOlderThanDays, keepUsedWithinDays, triggerDownloadCount, sizeTriggerKb, keepLatestCount.',
    );
  return rule;
}

function isEmptyValue(value: unknown): boolean {
  return value === undefined || value === null || value === false || (Array.isArray(value) && value.length === 0);
}

function inapplicableMessage(name: string, field: string): string {
  const hint = field === 'keepVersionsCount' ? ' To keep the newest files of each folder, use keepLatestCount.' : '';
  return `${name} does not apply to asset directories (files have no versions or consumers); leave it empty.${hint}`;
}

function parseInteger(value: unknown, name: string, field: RetentionIntegerBounds): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < field.min)
    throw badRequest(`${name} must be ${field.expected}; got ${JSON.stringify(value) ?? String(value)}.`);
  if (field.max !== undefined && value > field.max)
    throw badRequest(`${name} must be at most ${field.max} (100 years); got ${value}.`);
  return value;
}

function parsePatterns(value: unknown, name: string): string[] {
  if (!Array.isArray(value)) throw badRequest(`${name} must be an array of path patterns.`);
  if (value.length > MAX_PATTERNS)
    throw badRequest(`${name} has ${value.length} patterns; at most ${MAX_PATTERNS} are allowed.`);
  return value.map((pattern, i) => {
    if (typeof pattern !== 'string') throw badRequest(`${name}[${i}] must be a string (a path pattern).`);
    const problem = checkPathPattern(pattern);
    if (problem) throw badRequest(`${name}[${i}] (${JSON.stringify(pattern)}) ${problem}.`);
    return pattern;
  });
}

/** One line for logs and the console, e.g. `delete files matching "*.zip" not used within 30 days`. */
export function describeRule(rule: RetentionRule): string {
  const parts = [rule.deletePackageIds ? `delete files matching ${quoteList(rule.deletePackageIds)}` : 'delete files'];
  const conditions: string[] = [];
  if (rule.deleteOlderThanDays !== undefined)
    conditions.push(`modified more than ${days(rule.deleteOlderThanDays)} ago`);
  if (rule.keepUsedWithinDays !== undefined) conditions.push(`not used within ${days(rule.keepUsedWithinDays)}`);
  if (rule.triggerDownloadCount !== undefined)
    conditions.push(`downloaded at most ${times(rule.triggerDownloadCount)}`);
  if (conditions.length > 0) parts.push(conditions.join(', '));
  let line = parts.join(' ');
  if (rule.keepPackageIds) line += `, except those matching ${quoteList(rule.keepPackageIds)}`;
  if (rule.keepLatestCount !== undefined)
    line += `, keeping the ${rule.keepLatestCount === 1 ? 'newest' : `${rule.keepLatestCount} newest`} per folder`;
  if (rule.sizeTriggerKb !== undefined)
    line +=
      `, only while ${rule.sizeExclusive ? 'the matching files hold' : 'the directory holds'} more than ` +
      `${rule.sizeTriggerKb} KiB (least recently used first)`;
  return line;
}

function quoteList(patterns: string[]): string {
  const quoted = patterns.map((p) => JSON.stringify(p));
  return quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
}

const days = (n: number) => (n === 1 ? '1 day' : `${n} days`);
const times = (n: number) => (n === 1 ? '1 time' : `${n} times`);
