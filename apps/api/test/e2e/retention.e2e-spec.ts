import type { Feed, RetentionPreview, RetentionRun, RetentionSettings } from '@stockroom/contracts';
import { Client } from 'pg';
import { Clock } from '../../src/common/clock';
import { RetentionScheduler } from '../../src/modules/retention/retention-scheduler.service';
import { bytes, createFeed, endpoint, eventually, zipOf } from '../support/fixtures';
import { startServerProcess } from '../support/server-process';
import { startTestApp, TestApp } from '../support/test-app';

const DAY = 86_400_000;
const json = { 'Content-Type': 'application/json' };

/**
 * Retention a user can trust (issue 5): rules kept in the feed JSON, a preview that lists every
 * file with its reason, an apply that deletes exactly that list (skipping what changed since),
 * dry runs that delete nothing, history, scheduled runs that happen once across nodes, and runs
 * that a killed node leaves half-done carried on by another. Time moves through the node's Clock.
 */
describe('retention', () => {
  let t: TestApp;
  let clock: Clock;

  const api = (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has('authorization')) headers.set('authorization', t.adminAuth);
    return fetch(`${t.url}${path}`, { ...init, headers });
  };
  const setRules = async (feed: string, body: Record<string, unknown>) => {
    const res = await api(`/api/management/feeds/update/${feed}`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Feed & { message?: string } };
  };
  const preview = async (feed: string): Promise<RetentionPreview> => {
    const res = await api(`/api/retention/${feed}/preview`, { method: 'POST' });
    expect(res.status).toBe(200);
    return (await res.json()) as RetentionPreview;
  };
  const getRun = async (id: number): Promise<RetentionRun> =>
    (await (await api(`/api/retention/runs/${id}`)).json()) as RetentionRun;
  const upload = async (feed: string, path: string, body: Buffer | string = bytes(1024)) => {
    const res = await endpoint(t, feed)(`content/${path}`, { method: 'POST', body });
    expect(res.status).toBe(201);
  };
  /** Downloads the file (counted as a download once its body is read), or fails to. */
  const status = async (feed: string, path: string) => {
    const res = await endpoint(t, feed)(`content/${path}`);
    await res.arrayBuffer();
    return res.status;
  };
  const metadata = async (feed: string, path: string) => (await endpoint(t, feed)(`metadata/${path}`)).status;

  beforeAll(async () => {
    t = await startTestApp();
    clock = t.app.get(Clock);
    // No scheduled runs unless a test asks for them (a run at 03:00 UTC must not surprise a test).
    const res = await api('/api/retention/settings', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ schedule: '' }),
    });
    expect(res.status).toBe(200);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('keeps rules in the feed JSON, normalised, and refuses bad ones naming the field', async () => {
    await createFeed(t, 'rules');
    // pgutil serialises every field of its RetentionRule; PowerShell sends PascalCase names.
    const pgutilRule = {
      deletePrereleaseVersions: false,
      deleteCached: false,
      keepVersionsCount: null,
      keepUsedWithinDays: 30,
      deletePackageIds: ['*.zip'],
      keepPackageIds: null,
      keepVersions: null,
      deleteVersions: null,
      sizeTriggerKb: null,
      sizeExclusive: false,
      triggerDownloadCount: 5,
      keepConsumedWithinDays: null,
      keepIfActivelyConsumed: false,
      keepPackageUsageRemovedDays: null,
    };
    const ok = await setRules('rules', {
      retentionRules: [pgutilRule, { KeepLatestCount: 3, DeleteOlderThanDays: 7 }],
      retentionRulesEnabled: true,
    });
    expect(ok.status).toBe(200);
    expect(ok.body.retentionRulesEnabled).toBe(true);
    expect(ok.body.retentionRules).toEqual([
      expect.objectContaining({ keepUsedWithinDays: 30, deletePackageIds: ['*.zip'], triggerDownloadCount: 5 }),
      expect.objectContaining({ keepLatestCount: 3, deleteOlderThanDays: 7 }),
    ]);
    const got = (await (await api('/api/management/feeds/get/rules')).json()) as Feed;
    expect(got.retentionRules).toEqual(ok.body.retentionRules);

    for (const [rules, field] of [
      [[{ keepUsedWithinDays: -1 }], 'retentionRules[0].keepUsedWithinDays'],
      [[{ deletePackageIds: ['*.zip'] }, { keepUsedWithinDays: '30' }], 'retentionRules[1].keepUsedWithinDays'],
      [[{ deletePackageIds: ['a//b'] }], 'retentionRules[0].deletePackageIds'],
      [[{ deletePackageIds: ['*.zip'], colour: 'blue' }], 'retentionRules[0].colour'],
      [[{ keepVersionsCount: 3 }], 'retentionRules[0].keepVersionsCount'],
      [[{}], 'retentionRules[0]'],
    ] as const) {
      const bad = await setRules('rules', { retentionRules: rules });
      expect({ rules, status: bad.status }).toEqual({ rules, status: 400 });
      expect(bad.body.message).toContain(field);
    }
    // Nothing changed by the refused updates.
    const after = (await (await api('/api/management/feeds/get/rules')).json()) as Feed;
    expect(after.retentionRules).toEqual(ok.body.retentionRules);
  });

  it('previews with reasons, deletes nothing until applied, then applies exactly the preview', async () => {
    await createFeed(t, 'builds');
    for (const v of ['1.0', '1.1', '1.2']) await upload('builds', `builds/${v}/app.zip`);
    await upload('builds', 'docs/readme.txt');
    await upload('builds', 'keep/important.zip');
    clock.travel(40 * DAY);
    await upload('builds', 'builds/1.3/app.zip');
    expect(await status('builds', 'builds/1.1/app.zip')).toBe(200); // used: kept
    await setRules('builds', {
      retentionRules: [{ deletePackageIds: ['builds/**/*.zip'], keepUsedWithinDays: 30 }],
    });

    const p = await preview('builds');
    expect(p.files.map((f) => f.path)).toEqual(['builds/1.0/app.zip', 'builds/1.2/app.zip']);
    expect(p.totals).toEqual(expect.objectContaining({ files: 2, bytes: 2048, scannedFiles: 6 }));
    for (const f of p.files) {
      expect(f).toEqual(expect.objectContaining({ rule: 1, size: 1024, downloadCount: 0 }));
      expect(f.reason).toMatch(/30 days/);
      expect(f.outcome).toBeUndefined();
    }
    // A preview deletes nothing (looked at without downloading: a download would make it "used"),
    // and reading it again gives the same frozen list.
    expect(await metadata('builds', 'builds/1.0/app.zip')).toBe(200);
    const again = (await (await api(`/api/retention/previews/${p.id}`)).json()) as RetentionPreview;
    expect(again.files.map((f) => f.path)).toEqual(p.files.map((f) => f.path));

    // Changed after the preview: 1.2 gets new content.
    const overwrite = await endpoint(t, 'builds')('content/builds/1.2/app.zip', { method: 'PUT', body: 'new' });
    expect(overwrite.status).toBe(400); // PUT creates only (Cake's check); POST overwrites
    expect((await endpoint(t, 'builds')('content/builds/1.2/app.zip', { method: 'POST', body: 'new' })).status).toBe(
      201,
    );

    const applied = await api(`/api/retention/builds/apply?wait=true`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ previewId: p.id }),
    });
    expect(applied.status).toBe(200);
    const run = (await applied.json()) as RetentionRun;
    expect(run).toEqual(
      expect.objectContaining({
        directory: 'builds',
        trigger: 'apply',
        state: 'completed',
        dryRun: false,
        previewId: p.id,
        selectedFiles: 2,
        deletedFiles: 1,
        freedBytes: 1024,
        skippedFiles: 1,
        foldersRemoved: 1,
      }),
    );
    expect(await status('builds', 'builds/1.0/app.zip')).toBe(404);
    expect(await metadata('builds', 'builds/1.0')).toBe(404); // the emptied folder went too
    expect(await status('builds', 'builds/1.2/app.zip')).toBe(200);
    for (const kept of ['builds/1.1/app.zip', 'builds/1.3/app.zip', 'docs/readme.txt', 'keep/important.zip'])
      expect({ kept, status: await status('builds', kept) }).toEqual({ kept, status: 200 });

    const detail = await getRun(run.id);
    expect(detail.files?.map((f) => [f.path, f.outcome])).toEqual([
      ['builds/1.0/app.zip', 'deleted'],
      ['builds/1.2/app.zip', 'skipped'],
    ]);
    expect(detail.files?.[1].note).toMatch(/changed since/);
    const history = (await (await api('/api/retention/builds/runs')).json()) as RetentionRun[];
    expect(history.map((r) => r.id)).toEqual([run.id]);

    // A preview is applied once.
    const twice = await api(`/api/retention/builds/apply`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ previewId: p.id }),
    });
    expect(twice.status).toBe(409);
    expect(((await twice.json()) as { message: string }).message).toMatch(/already applied by run #/);
  });

  it('skips a file downloaded after the preview', async () => {
    await createFeed(t, 'downloads');
    await upload('downloads', 'a.bin');
    await upload('downloads', 'b.bin');
    clock.travel(10 * DAY);
    await setRules('downloads', { retentionRules: [{ keepUsedWithinDays: 5 }] });
    const p = await preview('downloads');
    expect(p.files.map((f) => f.path)).toEqual(['a.bin', 'b.bin']);
    expect(await status('downloads', 'b.bin')).toBe(200);
    const run = (await (
      await api(`/api/retention/downloads/apply?wait=true`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ previewId: p.id }),
      })
    ).json()) as RetentionRun;
    expect(run).toEqual(expect.objectContaining({ deletedFiles: 1, skippedFiles: 1 }));
    expect(await status('downloads', 'a.bin')).toBe(404);
    expect(await status('downloads', 'b.bin')).toBe(200);
    expect((await getRun(run.id)).files?.[1].note).toMatch(/downloaded since/);
  });

  it('dry runs (per directory, globally, or asked for) log what they would delete and delete nothing', async () => {
    await createFeed(t, 'dry');
    for (const name of ['x1.log', 'x2.log', 'keep.txt']) await upload('dry', name);
    clock.travel(3 * DAY);
    await setRules('dry', {
      retentionRules: [{ deletePackageIds: ['*.log'], deleteOlderThanDays: 1 }],
      retentionDryRun: true,
    });
    const runNow = async (query = '') => {
      const res = await api(`/api/retention/dry/run?wait=true${query}`, { method: 'POST' });
      expect(res.status).toBe(200);
      return (await res.json()) as RetentionRun;
    };
    const perDirectory = await runNow();
    expect(perDirectory).toEqual(
      expect.objectContaining({ state: 'completed', dryRun: true, selectedFiles: 2, deletedFiles: 0, freedBytes: 0 }),
    );
    expect((await getRun(perDirectory.id)).files?.map((f) => [f.path, f.outcome])).toEqual([
      ['x1.log', 'would-delete'],
      ['x2.log', 'would-delete'],
    ]);

    await setRules('dry', { retentionDryRun: false });
    const settings = await api('/api/retention/settings', {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ dryRun: true }),
    });
    expect(((await settings.json()) as RetentionSettings).dryRun).toBe(true);
    expect((await runNow()).dryRun).toBe(true);
    await api('/api/retention/settings', { method: 'POST', headers: json, body: JSON.stringify({ dryRun: false }) });
    expect((await runNow('&dryRun=true')).dryRun).toBe(true);
    for (const name of ['x1.log', 'x2.log', 'keep.txt'])
      expect({ name, status: await status('dry', name) }).toEqual({ name, status: 200 });

    // And a real run deletes.
    const real = await runNow();
    expect(real).toEqual(expect.objectContaining({ dryRun: false, deletedFiles: 2 }));
    expect(await status('dry', 'x1.log')).toBe(404);
  });

  it('keeps the directory under its quota, least recently used first, and the newest per folder', async () => {
    await createFeed(t, 'quota');
    // 6 files of 1 KiB in two folders; each folder keeps its newest regardless.
    for (const [i, name] of ['a/1', 'a/2', 'a/3', 'b/1', 'b/2', 'b/3'].entries()) {
      await upload('quota', `${name}.bin`);
      clock.travel(1000 * (i + 1));
    }
    expect(await status('quota', 'a/1.bin')).toBe(200); // a/1 becomes the most recently used
    await setRules('quota', { retentionRules: [{ sizeTriggerKb: 3, keepLatestCount: 1 }] });
    const p = await preview('quota');
    // 6 KiB > 3 KiB: remove LRU until ≤ 3 KiB, never a folder's newest (a/3, b/3): a/2, b/1, b/2.
    expect(p.files.map((f) => f.path).sort()).toEqual(['a/2.bin', 'b/1.bin', 'b/2.bin']);
    expect(p.files.every((f) => /quota/i.test(f.reason))).toBe(true);
  });

  it('runs a due schedule once however many nodes tick, with the maintenance job once too', async () => {
    await createFeed(t, 'scheduled');
    await upload('scheduled', 'old.tmp');
    clock.travel(2 * DAY);
    await setRules('scheduled', {
      retentionRules: [{ deletePackageIds: ['*.tmp'], deleteOlderThanDays: 1 }],
      retentionRulesEnabled: true,
    });
    const other = await startTestApp({}, t.db);
    try {
      other.app.get(Clock).travel(clock.now().getTime() - Date.now());
      await api('/api/retention/settings', {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ schedule: '* * * * *' }),
      });
      await Promise.all([
        t.app.get(RetentionScheduler).tick(),
        other.app.get(RetentionScheduler).tick(),
        t.app.get(RetentionScheduler).tick(),
        other.app.get(RetentionScheduler).tick(),
      ]);
      const runs = (await (await api('/api/retention/runs?limit=500')).json()) as RetentionRun[];
      const scheduled = runs.filter((r) => r.trigger === 'scheduled' && r.directory === 'scheduled');
      expect(scheduled).toHaveLength(1);
      expect(scheduled[0]).toEqual(expect.objectContaining({ state: 'completed', deletedFiles: 1 }));
      const maintenance = runs.filter((r) => r.kind === 'maintenance');
      expect(maintenance).toHaveLength(1);
      expect(maintenance[0].details).toEqual({ abandonedUploads: 0, unknownUploads: 0, orphanBlobs: 0 });
      expect(await status('scheduled', 'old.tmp')).toBe(404);
    } finally {
      await api('/api/retention/settings', { method: 'POST', headers: json, body: JSON.stringify({ schedule: '' }) });
      await other.close();
    }
  });

  it('refuses a second run of a directory while one runs (409), on any node', async () => {
    await createFeed(t, 'busy');
    await endpoint(t, 'busy')('import/?format=zip', {
      method: 'POST',
      body: await zipOf(Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}.bin`, 'x']))),
    });
    await setRules('busy', { retentionRules: [{ deletePackageIds: ['*.bin'] }] });
    // Hold one of its files: the run waits on that row, holding the directory.
    const blocker = new Client({ connectionString: t.db.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`SELECT 1 FROM asset_items WHERE path = 'f5.bin' FOR UPDATE`);
      const first = await api('/api/retention/busy/run', { method: 'POST' });
      expect(first.status).toBe(202);
      expect(first.headers.get('location')).toMatch(/^\/api\/retention\/runs\/\d+$/);
      const started = (await first.json()) as RetentionRun;
      expect(started.state).toBe('running');
      const second = await api('/api/retention/busy/run', { method: 'POST' });
      expect(second.status).toBe(409);
      expect(((await second.json()) as { message: string }).message).toMatch(/in progress/);
      await blocker.query('ROLLBACK');
      await eventually(async () => (await getRun(started.id)).state === 'completed');
      expect((await getRun(started.id)).deletedFiles).toBe(20);
    } finally {
      await blocker.end();
    }
  });

  it('a run whose node is killed mid-way is carried on by another node, without redoing or losing files', async () => {
    await createFeed(t, 'crash');
    const names = Array.from({ length: 1200 }, (_, i) => `f${String(i).padStart(4, '0')}.bin`);
    const imported = await endpoint(t, 'crash')('import/?format=zip', {
      method: 'POST',
      body: await zipOf(Object.fromEntries(names.map((n) => [n, n]))),
    });
    expect(imported.status).toBe(200);
    await setRules('crash', { retentionRules: [{ deletePackageIds: ['*.bin'] }] });
    const node = await startServerProcess({ DATABASE_URL: t.db.url });
    const blocker = new Client({ connectionString: t.db.url });
    await blocker.connect();
    try {
      // The second batch (files 501-1000) waits on f0600: the first batch is done when we kill.
      await blocker.query('BEGIN');
      await blocker.query(`SELECT 1 FROM asset_items WHERE path = 'f0600.bin' FOR UPDATE`);
      const res = await fetch(`${node.url}/api/retention/crash/run`, {
        method: 'POST',
        headers: { authorization: node.adminAuth },
      });
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as RetentionRun;
      await eventually(async () => (await getRun(id)).handledFiles === 500, 30_000);
      await node.kill();
      await blocker.query('ROLLBACK');
      expect(await metadata('crash', 'f0000.bin')).toBe(404);
      expect(await metadata('crash', 'f0600.bin')).toBe(200);
      expect((await getRun(id)).state).toBe('running');

      // The killed node's session (and its lock) goes once PostgreSQL notices; then a tick carries on.
      await eventually(async () => {
        await t.app.get(RetentionScheduler).tick();
        return (await getRun(id)).state === 'completed';
      }, 30_000);
      const run = await getRun(id);
      expect(run).toEqual(
        expect.objectContaining({
          selectedFiles: 1200,
          handledFiles: 1200,
          deletedFiles: 1200,
          skippedFiles: 0,
          resumed: 1,
        }),
      );
      expect(run.files?.every((f) => f.outcome === 'deleted')).toBe(true);
      const listing = (await (await endpoint(t, 'crash')('dir/')).json()) as unknown[];
      expect(listing).toEqual([]);
    } finally {
      await blocker.end();
      await node.stop();
    }
  });
});
