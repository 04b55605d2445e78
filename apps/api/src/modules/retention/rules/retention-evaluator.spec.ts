import { RetentionEvaluator, RetentionFile, RetentionResult } from './retention-evaluator';
import { parseRetentionRules } from './retention-rule';

const NOW = new Date('2026-06-01T00:00:00Z');
const DAY = 86_400_000;
const KiB = 1024;

const daysAgo = (n: number) => new Date(NOW.getTime() - n * DAY);

interface FileSpec {
  /** Days since the last modification (default 100). */
  modified?: number;
  /** Days since the last download; none when absent. */
  downloaded?: number;
  downloads?: number;
  size?: number;
}

let nextId = 0;
function file(path: string, spec: FileSpec = {}): RetentionFile {
  const slash = path.lastIndexOf('/');
  const modifiedAt = daysAgo(spec.modified ?? 100);
  return {
    id: `id-${++nextId}`,
    path,
    parentLower: slash < 0 ? '' : path.slice(0, slash).toLowerCase(),
    size: spec.size ?? KiB,
    createdAt: modifiedAt,
    modifiedAt,
    downloadCount: spec.downloads ?? (spec.downloaded === undefined ? 0 : 1),
    lastDownloadedAt: spec.downloaded === undefined ? null : daysAgo(spec.downloaded),
    blobKey: `blob-${nextId}`,
  };
}

/** Parses the rules as the API would and streams the files in the given order. */
function evaluate(rules: unknown[], files: RetentionFile[]): RetentionResult {
  const evaluator = new RetentionEvaluator(parseRetentionRules(rules), NOW);
  for (const f of files) evaluator.add(f);
  return evaluator.finish();
}

const paths = (result: RetentionResult) => result.candidates.map((c) => c.file.path);
const rulesByPath = (result: RetentionResult) =>
  Object.fromEntries(result.candidates.map((c) => [c.file.path, c.rule]));
const reasonOf = (result: RetentionResult, path: string) => result.candidates.find((c) => c.file.path === path)?.reason;

describe('RetentionEvaluator', () => {
  it('selects nothing without rules, but counts what it scanned', () => {
    const result = evaluate([], [file('a.zip', { size: 10 }), file('b/c.zip', { size: 5 })]);
    expect(result).toEqual({
      candidates: [],
      files: 0,
      bytes: 0,
      scannedFiles: 2,
      scannedBytes: 15,
      perRule: [],
    });
  });

  describe('deleteOlderThanDays', () => {
    it('selects files last modified more than n days ago', () => {
      const files = [
        file('new.bin', { modified: 10 }),
        file('exactly30.bin', { modified: 30 }),
        file('old31.bin', { modified: 31 }),
        file('old100.bin', { modified: 100, downloaded: 1 }),
      ];
      expect(paths(evaluate([{ deleteOlderThanDays: 30 }], files))).toEqual(['old100.bin', 'old31.bin']);
    });

    it('says when the file was modified', () => {
      const result = evaluate([{ deleteOlderThanDays: 30 }], [file('a/old.bin', { modified: 45 })]);
      expect(reasonOf(result, 'a/old.bin')).toBe('Rule 1: last modified 2026-04-17, more than 30 days ago.');
    });
  });

  describe('keepUsedWithinDays', () => {
    const files = [
      file('uploaded-yesterday.bin', { modified: 1 }),
      file('old-never-downloaded.bin', { modified: 100 }),
      file('old-downloaded-recently.bin', { modified: 100, downloaded: 10 }),
      file('old-downloaded-long-ago.bin', { modified: 100, downloaded: 40 }),
      file('downloaded-long-ago-changed-recently.bin', { modified: 5, downloaded: 40 }),
    ];

    it('counts the later of the last download and the last change as the last use', () => {
      expect(paths(evaluate([{ keepUsedWithinDays: 30 }], files))).toEqual([
        'old-downloaded-long-ago.bin',
        'old-never-downloaded.bin',
      ]);
    });

    it('says the facts: last download, or never downloaded and the last change', () => {
      const result = evaluate([{ keepUsedWithinDays: 30 }], files);
      expect(reasonOf(result, 'old-never-downloaded.bin')).toBe(
        'Rule 1: last used 2026-02-21 (never downloaded, last modified 2026-02-21): ' +
          'no download or change within 30 days.',
      );
      expect(reasonOf(result, 'old-downloaded-long-ago.bin')).toBe(
        'Rule 1: last used 2026-04-22 (last downloaded 2026-04-22, last modified 2026-02-21): ' +
          'no download or change within 30 days.',
      );
    });
  });

  describe('triggerDownloadCount', () => {
    it('keeps files downloaded more than n times', () => {
      const files = [
        file('never.bin', { downloads: 0 }),
        file('five.bin', { downloads: 5, downloaded: 1 }),
        file('six.bin', { downloads: 6, downloaded: 90 }),
      ];
      const result = evaluate([{ triggerDownloadCount: 5 }], files);
      expect(paths(result)).toEqual(['five.bin', 'never.bin']);
      expect(reasonOf(result, 'five.bin')).toBe('Rule 1: downloaded 5 times (at most 5).');
      expect(reasonOf(result, 'never.bin')).toBe('Rule 1: downloaded 0 times (at most 5).');
    });
  });

  describe('deletePackageIds and keepPackageIds', () => {
    const files = [
      file('builds/1.0/app.zip'),
      file('builds/1.0/notes.txt'),
      file('builds/keep/app.zip'),
      file('other/APP.ZIP'),
    ];

    it('deletes only matching files, never kept ones', () => {
      const result = evaluate([{ deletePackageIds: ['*.zip'], keepPackageIds: ['builds/keep/**'] }], files);
      expect(paths(result)).toEqual(['builds/1.0/app.zip', 'other/APP.ZIP']);
      expect(reasonOf(result, 'other/APP.ZIP')).toBe(
        'Rule 1: matches "*.zip"; matches none of the kept patterns ("builds/keep/**").',
      );
    });

    it('names the pattern that matched', () => {
      const result = evaluate([{ deletePackageIds: ['*.exe', 'builds/**/*.txt'] }], files);
      expect(paths(result)).toEqual(['builds/1.0/notes.txt']);
      expect(result.candidates[0].reason).toBe('Rule 1: matches "builds/**/*.txt".');
    });

    it('keepPackageIds alone with a condition protects matching files', () => {
      const result = evaluate([{ deleteOlderThanDays: 1, keepPackageIds: ['*.txt', 'other/*'] }], files);
      expect(paths(result)).toEqual(['builds/1.0/app.zip', 'builds/keep/app.zip']);
    });
  });

  it('ANDs the conditions of one rule', () => {
    const files = [
      file('a.zip', { modified: 100, downloads: 1, downloaded: 50 }),
      file('b.zip', { modified: 100, downloads: 9, downloaded: 50 }), // downloaded too often
      file('c.zip', { modified: 100, downloads: 1, downloaded: 5 }), // used recently
      file('d.txt', { modified: 100, downloads: 1, downloaded: 50 }), // not matching
      file('e.zip', { modified: 20, downloads: 0 }), // too new
    ];
    const result = evaluate(
      [{ deletePackageIds: ['*.zip'], deleteOlderThanDays: 30, keepUsedWithinDays: 30, triggerDownloadCount: 5 }],
      files,
    );
    expect(paths(result)).toEqual(['a.zip']);
    expect(result.candidates[0].reason).toBe(
      'Rule 1: matches "*.zip"; last modified 2026-02-21, more than 30 days ago; ' +
        'last used 2026-04-12 (last downloaded 2026-04-12): no download or change within 30 days; ' +
        'downloaded 1 time (at most 5).',
    );
  });

  describe('keepLatestCount', () => {
    it('keeps the n newest files of each folder', () => {
      const files = [
        // folder a, any order inside it
        file('a/3.zip', { modified: 30 }),
        file('a/1.zip', { modified: 10 }),
        file('a/5.zip', { modified: 50 }),
        file('a/2.zip', { modified: 20 }),
        file('a/4.zip', { modified: 40 }),
        // folder b holds only two: both kept
        file('b/1.zip', { modified: 300 }),
        file('b/2.zip', { modified: 400 }),
        // root
        file('r1.zip', { modified: 1 }),
        file('r2.zip', { modified: 2 }),
        file('r3.zip', { modified: 3 }),
      ];
      const result = evaluate([{ keepLatestCount: 2 }], files);
      expect(paths(result)).toEqual(['a/3.zip', 'a/4.zip', 'a/5.zip', 'r3.zip']);
      expect(reasonOf(result, 'a/4.zip')).toBe(
        'Rule 1: not among the 2 newest of the 5 matching files in "a" (kept; the 2nd newest was modified 2026-05-12).',
      );
      expect(reasonOf(result, 'r3.zip')).toBe(
        'Rule 1: not among the 2 newest of the 3 matching files in the top folder ' +
          '(kept; the 2nd newest was modified 2026-05-30).',
      );
    });

    it('breaks ties in modification time by path, case-insensitively', () => {
      const files = [
        file('x/C.zip', { modified: 5 }),
        file('x/a.zip', { modified: 5 }),
        file('x/b.zip', { modified: 5 }),
      ];
      const result = evaluate([{ keepLatestCount: 2 }], files);
      expect(paths(result)).toEqual(['x/C.zip']);
      const single = evaluate([{ keepLatestCount: 1 }], files);
      expect(paths(single)).toEqual(['x/b.zip', 'x/C.zip']);
      expect(reasonOf(single, 'x/b.zip')).toBe(
        'Rule 1: not the newest of the 3 matching files in "x" (the newest, kept, was modified 2026-05-27).',
      );
    });

    it('compares tied paths case-insensitively beyond ASCII too', () => {
      const files = [file('x/Éb.zip', { modified: 5 }), file('x/éa.zip', { modified: 5 })];
      expect(paths(evaluate([{ keepLatestCount: 1 }], files))).toEqual(['x/Éb.zip']);
    });

    it('ranks only the files the rule matches, and shows the folder as spelled', () => {
      const files = [
        file('Builds/X/newer.txt', { modified: 1 }),
        file('Builds/X/new.zip', { modified: 10 }),
        file('Builds/X/old.zip', { modified: 20 }),
        file('Builds/X/keep.zip', { modified: 30 }),
      ];
      const result = evaluate(
        [{ deletePackageIds: ['*.zip'], keepPackageIds: ['keep.zip'], keepLatestCount: 1 }],
        files,
      );
      expect(paths(result)).toEqual(['Builds/X/old.zip']);
      expect(result.candidates[0].reason).toBe(
        'Rule 1: matches "*.zip"; matches none of the kept patterns ("keep.zip"); not the newest of the 2 matching ' +
          'files in "Builds/X" (the newest, kept, was modified 2026-05-22).',
      );
    });

    it('combines with age: old files beyond the newest n only', () => {
      const files = [
        file('f/a', { modified: 100 }),
        file('f/b', { modified: 90 }),
        file('f/c', { modified: 5 }),
        file('f/d', { modified: 4 }),
        file('f/e', { modified: 3 }),
      ];
      // The 2 newest are d and e; c is beyond them but young.
      expect(paths(evaluate([{ keepLatestCount: 2, deleteOlderThanDays: 30 }], files))).toEqual(['f/a', 'f/b']);
      // With 4 kept, only a goes, though b is old too.
      expect(paths(evaluate([{ keepLatestCount: 4, deleteOlderThanDays: 30 }], files))).toEqual(['f/a']);
    });

    it('refuses files of a folder that arrive after another folder', () => {
      const evaluator = new RetentionEvaluator(parseRetentionRules([{ keepLatestCount: 1 }]), NOW);
      evaluator.add(file('a/1'));
      evaluator.add(file('b/1'));
      expect(() => evaluator.add(file('a/2'))).toThrow('files of folder "a" arrived after another folder');
    });
  });

  describe('sizeTriggerKb', () => {
    /** Eight files of 2 KiB (16 KiB), last used 80, 70, … 10 days ago: every other one by a download. */
    const eight = () =>
      Array.from({ length: 8 }, (_, i) =>
        file(
          `f${i}.bin`,
          i % 2 ? { modified: 80 - 10 * i, size: 2 * KiB } : { modified: 200, downloaded: 80 - 10 * i, size: 2 * KiB },
        ),
      );

    it('deletes least recently used files first, stopping as soon as the directory fits', () => {
      const result = evaluate([{ sizeTriggerKb: 10 }], eight());
      // 16 KiB → 14 → 12 → 10: exactly the quota, so three go.
      expect(paths(result)).toEqual(['f0.bin', 'f1.bin', 'f2.bin']);
      expect(result.bytes).toBe(6 * KiB);
      expect(reasonOf(result, 'f0.bin')).toBe(
        'Rule 1: the directory holds 16 KiB, over the quota of 10 KiB: least recently used files are deleted ' +
          'first until it fits (this one last used 2026-03-13).',
      );
    });

    it('deletes one more when a byte over', () => {
      const files = eight();
      files[7].size += 1;
      expect(paths(evaluate([{ sizeTriggerKb: 10 }], files))).toEqual(['f0.bin', 'f1.bin', 'f2.bin', 'f3.bin']);
    });

    it('selects nothing when the quota is already met', () => {
      const result = evaluate([{ sizeTriggerKb: 16 }], eight());
      expect(result.candidates).toEqual([]);
      expect(result.perRule).toEqual([{ rule: 1, files: 0, bytes: 0 }]);
    });

    it('orders by the last use: a recent download saves an old file', () => {
      const files = [
        file('old-but-downloaded.bin', { modified: 300, downloaded: 1, size: 4 * KiB }),
        file('newer.bin', { modified: 50, size: 4 * KiB }),
        file('newest.bin', { modified: 20, size: 4 * KiB }),
      ];
      expect(paths(evaluate([{ sizeTriggerKb: 8 }], files))).toEqual(['newer.bin']);
    });

    it('breaks ties in last use by path', () => {
      const files = [
        file('b', { modified: 9, size: KiB }),
        file('A', { modified: 9, size: KiB }),
        file('c', { modified: 1 }),
      ];
      // 3 KiB against 2: one of the two equally old files goes, A before b.
      expect(paths(evaluate([{ sizeTriggerKb: 2 }], files))).toEqual(['A']);
    });

    it('not exclusive: counts every file, deletes only matching ones', () => {
      const files = [
        file('big.iso', { modified: 500, size: 8 * KiB }),
        file('a.log', { modified: 30, size: KiB }),
        file('b.log', { modified: 20, size: KiB }),
        file('c.log', { modified: 10, size: KiB }),
      ];
      // 11 KiB against 9 KiB: two logs go; the older iso is not matched.
      const result = evaluate([{ deletePackageIds: ['*.log'], sizeTriggerKb: 9 }], files);
      expect(paths(result)).toEqual(['a.log', 'b.log']);
      // Only logs can go: all three, and the directory stays over quota.
      expect(paths(evaluate([{ deletePackageIds: ['*.log'], sizeTriggerKb: 2 }], files))).toEqual([
        'a.log',
        'b.log',
        'c.log',
      ]);
    });

    it('exclusive: counts only the matching files', () => {
      const files = [
        file('big.iso', { modified: 500, size: 8 * KiB }),
        file('logs/a.log', { modified: 30, size: KiB }),
        file('logs/b.log', { modified: 20, size: KiB }),
        file('logs/c.log', { modified: 10, size: KiB }),
      ];
      const result = evaluate([{ deletePackageIds: ['*.log'], sizeTriggerKb: 2, sizeExclusive: true }], files);
      expect(paths(result)).toEqual(['logs/a.log']);
      expect(result.candidates[0].reason).toBe(
        'Rule 1: matches "*.log"; the files this rule matches hold 3 KiB, over the quota of 2 KiB: least recently ' +
          'used files are deleted first until it fits (this one last used 2026-05-02).',
      );
      expect(evaluate([{ deletePackageIds: ['*.log'], sizeTriggerKb: 3, sizeExclusive: true }], files).files).toBe(0);
    });

    it('deletes only files that meet its other conditions', () => {
      const files = [
        file('used.bin', { modified: 300, downloaded: 2, size: 4 * KiB }),
        file('unused.bin', { modified: 100, size: 4 * KiB }),
        file('fresh.bin', { modified: 1, size: 4 * KiB }),
      ];
      const result = evaluate([{ sizeTriggerKb: 1, keepUsedWithinDays: 30 }], files);
      expect(paths(result)).toEqual(['unused.bin']);
      expect(result.candidates[0].reason).toBe(
        'Rule 1: last used 2026-02-21 (never downloaded, last modified 2026-02-21): no download or change within ' +
          '30 days; the directory holds 12 KiB, over the quota of 1 KiB: least recently used files are deleted ' +
          'first until it fits.',
      );
    });

    it('shows exact bytes when the rounded size would equal the quota', () => {
      const files = [file('a', { modified: 9, size: 5 * KiB }), file('b', { modified: 1, size: 5 * KiB + 1 })];
      expect(evaluate([{ sizeTriggerKb: 10 }], files).candidates[0].reason).toContain(
        'the directory holds 10,241 bytes, over the quota of 10 KiB',
      );
    });

    it('speaks in MiB and GiB', () => {
      const files = [file('a', { size: 1.5 * 1024 * KiB }), file('b', { size: 3 * 1024 * 1024 * KiB })];
      const result = evaluate([{ sizeTriggerKb: 10 * 1024 }], files);
      expect(result.candidates[0].reason).toContain('holds 3 GiB, over the quota of 10 MiB');
      expect(result.candidates[1].reason).toContain('holds 3 GiB, over the quota of 10 MiB');
      expect(paths(result)).toEqual(['a', 'b']);
    });
  });

  describe('several rules', () => {
    it('reports a file under the first rule that selects it', () => {
      const files = [
        file('a.zip', { modified: 100 }),
        file('b.zip', { modified: 40 }),
        file('c.txt', { modified: 100 }),
      ];
      const result = evaluate(
        [{ deletePackageIds: ['*.zip'], deleteOlderThanDays: 60 }, { deleteOlderThanDays: 30 }],
        files,
      );
      expect(rulesByPath(result)).toEqual({ 'a.zip': 1, 'b.zip': 2, 'c.txt': 2 });
      expect(result.perRule).toEqual([
        { rule: 1, files: 1, bytes: KiB },
        { rule: 2, files: 2, bytes: 2 * KiB },
      ]);
      expect(reasonOf(result, 'b.zip')).toBe('Rule 2: last modified 2026-04-22, more than 30 days ago.');
    });

    it('a quota rule after a deleting rule counts what that rule already removed', () => {
      const files = [
        file('tmp/a.tmp', { modified: 100, size: 6 * KiB }),
        file('x.bin', { modified: 90, size: 5 * KiB }),
        file('y.bin', { modified: 80, size: 5 * KiB }),
      ];
      // 16 KiB, but rule 1 removes 6: the remaining 10 KiB meet the quota.
      const both = evaluate([{ deletePackageIds: ['*.tmp'] }, { sizeTriggerKb: 10 }], files);
      expect(rulesByPath(both)).toEqual({ 'tmp/a.tmp': 1 });
      // Against 9 KiB one more goes, and the reason counts after rule 1.
      const tighter = evaluate([{ deletePackageIds: ['*.tmp'] }, { sizeTriggerKb: 9 }], files);
      expect(rulesByPath(tighter)).toEqual({ 'tmp/a.tmp': 1, 'x.bin': 2 });
      expect(reasonOf(tighter, 'x.bin')).toBe(
        'Rule 2: the directory holds 10 KiB (not counting files of earlier rules), over the quota of 9 KiB: ' +
          'least recently used files are deleted first until it fits (this one last used 2026-03-03).',
      );
      // Alone, the quota rule would take the least recently used file, the .tmp.
      expect(rulesByPath(evaluate([{ sizeTriggerKb: 10 }], files))).toEqual({ 'tmp/a.tmp': 1 });
    });

    it('a quota rule before an age rule claims the files it selects; the age rule takes the rest', () => {
      const files = [
        file('a', { modified: 100, size: 2 * KiB }),
        file('b', { modified: 90, size: 2 * KiB }),
        file('c', { modified: 80, size: 2 * KiB }),
      ];
      const result = evaluate([{ sizeTriggerKb: 5 }, { deleteOlderThanDays: 85 }], files);
      expect(rulesByPath(result)).toEqual({ a: 1, b: 2 });
    });

    it('a second quota rule counts the first quota rule’s selection', () => {
      const files = [
        file('a.log', { modified: 100, size: 4 * KiB }),
        file('b.bin', { modified: 90, size: 4 * KiB }),
        file('c.bin', { modified: 80, size: 4 * KiB }),
      ];
      const result = evaluate(
        [{ deletePackageIds: ['*.log'], sizeTriggerKb: 1, sizeExclusive: true }, { sizeTriggerKb: 4 }],
        files,
      );
      // Rule 1 takes the log (4 KiB over 1); rule 2 sees 8 KiB over 4 and takes b.
      expect(rulesByPath(result)).toEqual({ 'a.log': 1, 'b.bin': 2 });
      expect(reasonOf(result, 'b.bin')).toContain('the directory holds 8 KiB (not counting files of earlier rules)');
    });
  });

  it('sorts candidates by path, case-insensitively then exactly, and totals them', () => {
    const files = [
      file('b/x.bin', { size: 3 }),
      file('B/y.bin', { size: 4 }),
      file('a.bin', { size: 5 }),
      file('C.bin', { size: 6, modified: 1 }),
      file('c.bin', { size: 7 }),
    ];
    const result = evaluate([{ deleteOlderThanDays: 30 }], files);
    expect(paths(result)).toEqual(['a.bin', 'b/x.bin', 'B/y.bin', 'c.bin']);
    expect(result).toMatchObject({ files: 4, bytes: 19, scannedFiles: 5, scannedBytes: 25 });
    expect(result.candidates[0]).toEqual({
      file: files[2],
      rule: 1,
      reason: 'Rule 1: last modified 2026-02-21, more than 30 days ago.',
    });
  });
});
