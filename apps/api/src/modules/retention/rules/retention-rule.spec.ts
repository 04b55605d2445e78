import { ErrorCode } from '@stockroom/contracts';
import { AppError } from '../../../common/errors/app-error';
import { describeRule, parseRetentionRules } from './retention-rule';

/** The 400 message parseRetentionRules throws for raw. */
function rejection(raw: unknown): string {
  try {
    parseRetentionRules(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe(ErrorCode.BadRequest);
    return (error as AppError).message;
  }
  throw new Error(`accepted ${JSON.stringify(raw)}`);
}

/** What pgutil sends: every field of its RetentionRule class, unset ones null/false. */
const PGUTIL_EMPTY = {
  deletePrereleaseVersions: false,
  keepVersionsCount: null,
  keepUsedWithinDays: null,
  deletePackageIds: null,
  keepPackageIds: null,
  keepVersions: null,
  deleteVersions: null,
  deleteCached: false,
  sizeTriggerKb: null,
  sizeExclusive: false,
  triggerDownloadCount: null,
  keepConsumedWithinDays: null,
  keepIfActivelyConsumed: false,
  keepPackageUsageRemovedDays: null,
};

describe('parseRetentionRules', () => {
  it('accepts no rules', () => {
    expect(parseRetentionRules([])).toEqual([]);
  });

  it.each([
    [{ deletePackageIds: ['*.zip'] }],
    [{ deleteOlderThanDays: 30 }],
    [{ deleteOlderThanDays: 0 }],
    [{ keepUsedWithinDays: 90 }],
    [{ triggerDownloadCount: 0 }],
    [{ keepLatestCount: 3 }],
    [{ sizeTriggerKb: 1024 }],
    [{ sizeTriggerKb: 1024, sizeExclusive: true }],
  ])('accepts a rule with one condition: %j', (rule) => {
    expect(parseRetentionRules([rule])).toEqual([rule]);
  });

  it('accepts every field combined and returns them in a fixed order', () => {
    const rule = {
      sizeExclusive: true,
      sizeTriggerKb: 10240,
      keepLatestCount: 3,
      triggerDownloadCount: 5,
      keepUsedWithinDays: 30,
      deleteOlderThanDays: 60,
      keepPackageIds: ['keep/**'],
      deletePackageIds: ['*.zip', 'builds/**'],
    };
    const [parsed] = parseRetentionRules([rule]);
    expect(parsed).toEqual(rule);
    expect(Object.keys(parsed)).toEqual([
      'deletePackageIds',
      'keepPackageIds',
      'deleteOlderThanDays',
      'keepUsedWithinDays',
      'triggerDownloadCount',
      'keepLatestCount',
      'sizeTriggerKb',
      'sizeExclusive',
    ]);
  });

  it('matches field names case-insensitively (PowerShell sends PascalCase) and answers camelCase', () => {
    expect(
      parseRetentionRules([
        { KeepUsedWithinDays: 30, DeletePackageIds: ['*.zip'], TRIGGERDOWNLOADCOUNT: 2, DeleteCached: false },
      ]),
    ).toEqual([{ deletePackageIds: ['*.zip'], keepUsedWithinDays: 30, triggerDownloadCount: 2 }]);
  });

  it('accepts a pgutil rule with every ProGet field present, dropping the empty ones', () => {
    expect(parseRetentionRules([{ ...PGUTIL_EMPTY, keepUsedWithinDays: 30, deletePackageIds: ['*.zip'] }])).toEqual([
      { deletePackageIds: ['*.zip'], keepUsedWithinDays: 30 },
    ]);
    expect(parseRetentionRules([{ ...PGUTIL_EMPTY, keepVersions: [], deleteVersions: [], sizeTriggerKb: 5 }])).toEqual([
      { sizeTriggerKb: 5, sizeExclusive: false },
    ]);
  });

  it('drops null and empty pattern lists, and sizeExclusive without a quota', () => {
    expect(
      parseRetentionRules([
        {
          deleteOlderThanDays: 7,
          keepPackageIds: [],
          deletePackageIds: null,
          sizeExclusive: true,
          sizeTriggerKb: null,
        },
      ]),
    ).toEqual([{ deleteOlderThanDays: 7 }]);
  });

  it('keeps several rules in order', () => {
    expect(parseRetentionRules([{ deleteOlderThanDays: 7 }, { keepLatestCount: 1 }])).toEqual([
      { deleteOlderThanDays: 7 },
      { keepLatestCount: 1 },
    ]);
  });

  it.each([[null], [{}], ['[]'], [{ deleteOlderThanDays: 1 }]])(
    'rejects retentionRules that is not an array: %j',
    (raw) => {
      expect(rejection(raw)).toBe('retentionRules must be an array of rules.');
    },
  );

  it.each([[null], [[]], ['rule'], [3]])('rejects an element that is not an object: %j', (element) => {
    expect(rejection([{ deleteOlderThanDays: 1 }, element])).toBe(
      "retentionRules[1] must be an object with the rule's fields.",
    );
  });

  it('rejects more than 100 rules', () => {
    const rules = Array.from({ length: 101 }, () => ({ deleteOlderThanDays: 1 }));
    expect(parseRetentionRules(rules.slice(1))).toHaveLength(100);
    expect(rejection(rules)).toBe('retentionRules has 101 rules; at most 100 are allowed.');
  });

  it('rejects a rule with no condition, naming what to set', () => {
    const message = rejection([{ keepPackageIds: ['keep/**'], sizeExclusive: true }]);
    expect(message).toBe(
      'retentionRules[0] has no condition: it would delete every file. Set at least one of deletePackageIds, ' +
        'deleteOlderThanDays, keepUsedWithinDays, triggerDownloadCount, sizeTriggerKb, keepLatestCount.',
    );
    expect(rejection([{}])).toContain('retentionRules[0] has no condition');
    expect(rejection([PGUTIL_EMPTY])).toContain('retentionRules[0] has no condition');
    expect(rejection([{ deletePackageIds: [] }])).toContain('retentionRules[0] has no condition');
  });

  it('rejects an unknown field, naming it', () => {
    expect(rejection([{ deleteOlderThanDays: 1 }, { deleteOlderThanDays: 1, olderThan: 3 }])).toBe(
      'retentionRules[1].olderThan is an unknown field.',
    );
  });

  it('rejects a field given twice in different cases', () => {
    expect(rejection([{ keepUsedWithinDays: 1, KeepUsedWithinDays: 2 }])).toBe(
      'retentionRules[0] gives the field KeepUsedWithinDays twice (also as keepUsedWithinDays).',
    );
  });

  describe('ProGet fields that do not apply to files', () => {
    it.each([
      ['deletePrereleaseVersions', true],
      ['deleteCached', true],
      ['keepVersionsCount', 5],
      ['keepVersionsCount', 0],
      ['keepVersions', ['1.*']],
      ['deleteVersions', ['1.*']],
      ['keepConsumedWithinDays', 30],
      ['keepIfActivelyConsumed', true],
      ['keepPackageUsageRemovedDays', 10],
    ])('rejects a meaningful %s (%j), naming the field', (field, value) => {
      const message = rejection([
        { deleteOlderThanDays: 1 },
        { ...PGUTIL_EMPTY, deleteOlderThanDays: 1, [field]: value },
      ]);
      expect(message).toMatch(new RegExp(`^retentionRules\\[1\\]\\.${field} does not apply to asset directories`));
    });

    it('names the field in camelCase even when sent in PascalCase', () => {
      expect(rejection([{ DeleteCached: true, deleteOlderThanDays: 1 }])).toMatch(
        /^retentionRules\[0\]\.deleteCached does not apply/,
      );
    });

    it('suggests keepLatestCount for keepVersionsCount', () => {
      expect(rejection([{ keepVersionsCount: 3 }])).toContain('use keepLatestCount');
    });
  });

  describe('numbers', () => {
    it.each([
      ['keepUsedWithinDays', -1, 'must be a whole number of days (0 or more); got -1.'],
      ['keepUsedWithinDays', 1.5, 'must be a whole number of days (0 or more); got 1.5.'],
      ['keepUsedWithinDays', '30', 'must be a whole number of days (0 or more); got "30".'],
      ['deleteOlderThanDays', true, 'must be a whole number of days (0 or more); got true.'],
      ['deleteOlderThanDays', 36501, 'must be at most 36500 (100 years); got 36501.'],
      ['keepUsedWithinDays', 1e100, 'must be a whole number of days (0 or more); got 1e+100.'],
      ['triggerDownloadCount', 2 ** 53, 'must be a whole number of downloads (0 or more); got 9007199254740992.'],
      ['triggerDownloadCount', {}, 'must be a whole number of downloads (0 or more); got {}.'],
      ['keepLatestCount', 0, 'must be a whole number of files (1 or more); got 0.'],
      ['sizeTriggerKb', 0, 'must be a whole number of KiB (1 or more); got 0.'],
      ['sizeTriggerKb', '1024', 'must be a whole number of KiB (1 or more); got "1024".'],
    ])('rejects %s = %j', (field, value, problem) => {
      expect(rejection([{ deleteOlderThanDays: 1 }, { deletePackageIds: ['*'], [field]: value }])).toBe(
        `retentionRules[1].${field} ${problem}`,
      );
    });

    it('accepts the bounds', () => {
      expect(
        parseRetentionRules([{ deleteOlderThanDays: 36500, keepUsedWithinDays: 0, triggerDownloadCount: 0 }]),
      ).toEqual([{ deleteOlderThanDays: 36500, keepUsedWithinDays: 0, triggerDownloadCount: 0 }]);
    });

    it('rejects a sizeExclusive that is not a boolean', () => {
      expect(rejection([{ sizeTriggerKb: 1, sizeExclusive: 'yes' }])).toBe(
        'retentionRules[0].sizeExclusive must be true or false.',
      );
    });
  });

  describe('patterns', () => {
    it('rejects a pattern list that is not an array', () => {
      expect(rejection([{ deletePackageIds: '*.zip' }])).toBe(
        'retentionRules[0].deletePackageIds must be an array of path patterns.',
      );
    });

    it('rejects a pattern that is not a string', () => {
      expect(rejection([{ deletePackageIds: ['*.zip', 3] }])).toBe(
        'retentionRules[0].deletePackageIds[1] must be a string (a path pattern).',
      );
    });

    it('rejects an invalid pattern, naming it and the problem', () => {
      expect(rejection([{ deleteOlderThanDays: 1, keepPackageIds: ['ok/**', '!*.zip'] }])).toBe(
        'retentionRules[0].keepPackageIds[1] ("!*.zip") starts with "!": negations are not supported here; ' +
          'use keepPackageIds.',
      );
      expect(rejection([{ deletePackageIds: ['builds\\x'] }])).toContain('separate folders with /');
    });

    it('accepts 100 patterns and rejects 101', () => {
      const patterns = Array.from({ length: 101 }, (_, i) => `f${i}.zip`);
      expect(parseRetentionRules([{ deletePackageIds: patterns.slice(1) }])[0].deletePackageIds).toHaveLength(100);
      expect(rejection([{ deletePackageIds: patterns }])).toBe(
        'retentionRules[0].deletePackageIds has 101 patterns; at most 100 are allowed.',
      );
    });
  });
});

describe('describeRule', () => {
  it('says every condition in one line', () => {
    expect(
      describeRule({
        deletePackageIds: ['*.zip'],
        keepUsedWithinDays: 30,
        triggerDownloadCount: 5,
        keepLatestCount: 3,
      }),
    ).toBe(
      'delete files matching "*.zip" not used within 30 days, downloaded at most 5 times, keeping the 3 newest per folder',
    );
  });

  it('says exceptions, age and quotas', () => {
    expect(
      describeRule({
        deletePackageIds: ['a/**', 'b/**'],
        keepPackageIds: ['a/keep/**'],
        deleteOlderThanDays: 1,
        sizeTriggerKb: 1024,
        sizeExclusive: true,
      }),
    ).toBe(
      'delete files matching "a/**" or "b/**" modified more than 1 day ago, except those matching "a/keep/**", ' +
        'only while the matching files hold more than 1024 KiB (least recently used first)',
    );
    expect(describeRule({ keepLatestCount: 1, sizeTriggerKb: 10 })).toBe(
      'delete files, keeping the newest per folder, only while the directory holds more than 10 KiB (least recently used first)',
    );
  });
});
