import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { createFeed, endpoint } from '../support/fixtures';
import { raw } from '../support/http';
import { startTestApp, type TestApp } from '../support/test-app';

const FEED = 'davclients';
const USER = 'davuser'; // Manage Feed on FEED: every privilege there
const READER = 'davreader'; // View & Download on FEED
const PASSWORD = 'dav-clients-password';
const REPO_ROOT = resolve(__dirname, '../../../..');

interface ToolRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a client to its end without blocking this process (the server under test lives in it), with
 * `input` on its stdin; killed after `timeoutMs`. Never rejects on an exit code: the test reads it.
 */
function runTool(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; input?: string; timeoutMs?: number } = {},
): Promise<ToolRun> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${options.timeoutMs ?? 120_000} ms]`;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 120_000);
    child.on('error', (e) => (clearTimeout(timer), reject(e)));
    child.on('close', (code) => (clearTimeout(timer), resolveRun({ code, stdout, stderr })));
    child.stdin.end(options.input ?? '');
  });
}

/** What a failed client printed, for the CI log. */
function transcript(label: string, r: ToolRun): string {
  return `${label} exited ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}

/**
 * The requests and answers of each failed litmus test, from its debug.log (sections start with
 * `******* Running test N: name`), at most 6 KB each: what CI's log needs to show the server's fault.
 */
function failedTraces(stdout: string, debugLog: string): string {
  const failed = [...stdout.matchAll(/^\s*(\d+)\. (\w+)\.+ .*FAIL/gm)].map(([, n, name]) => `${n}: ${name}`);
  const sections = debugLog.split(/(?=\*{7} Running test )/);
  return failed
    .map((test) => {
      const section = sections.find((s) => s.startsWith(`******* Running test ${test} `)) ?? '(not in debug.log)';
      return `--- debug.log of test ${test} ---\n${section.slice(0, 6144)}`;
    })
    .join('\n');
}

/** Every file under `root` (relative path → bytes); `skip` leaves out names such as wget's index.html. */
async function filesUnder(root: string, skip: (name: string) => boolean = () => false): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || skip(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    out.set(relative(root, path).normalize('NFC'), await readFile(path));
  }
  return out;
}

/** Fails with the first difference between two trees (paths, then bytes). */
function expectSameTree(actual: Map<string, Buffer>, expected: Map<string, Buffer>): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [path, bytes] of expected) {
    const got = actual.get(path);
    if (!got?.equals(bytes)) throw new Error(`${path}: ${got?.length} bytes differ from the ${bytes.length} expected`);
  }
}

/**
 * A local folder tree with nested folders, names with spaces and non-ASCII letters (NFC), an empty
 * file and one of a few MiB, written under `root`; returns it as filesUnder() would read it.
 */
async function writeTree(root: string): Promise<Map<string, Buffer>> {
  const files: Record<string, Buffer> = {
    'readme.txt': Buffer.from('hello from a WebDAV client\n'),
    'empty.txt': Buffer.alloc(0),
    'a folder/with spaces in name.txt': Buffer.from('spaces are fine\n'),
    'a folder/nested/deeper/random 64k.bin': randomBytes(64 * 1024),
    'ünïcødé/日本語のファイル.txt': Buffer.from('こんにちは\n'),
    'ünïcødé/Ελληνικά & more (1).md': Buffer.from('# Γειά\n'),
    'big/three-mib.bin': randomBytes(3 * 1024 * 1024 + 17),
  };
  const tree = new Map<string, Buffer>();
  for (const [path, bytes] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), bytes);
    tree.set(path.normalize('NFC'), bytes);
  }
  return tree;
}

/** A path for the asset API and /dav/: each segment percent-encoded. */
const encodePath = (path: string) => path.split('/').map(encodeURIComponent).join('/');

/**
 * Issue 18: real WebDAV and mirroring clients (Debian's litmus, rclone, cadaver, wget) against a real
 * server listening on 127.0.0.1, through `/dav/{directory}/…` with Basic credentials. Windows and
 * macOS cannot run here: the README says what was checked how.
 */
describe('WebDAV clients against /dav/', () => {
  let t: TestApp;
  let ep: ReturnType<typeof endpoint>;
  let work: string;
  let davUrl: string;
  /** The fixture tree uploaded through the asset API under `mirror/` (for wget and rclone's http backend). */
  let mirrorTree: Map<string, Buffer>;
  let feedKey: string;

  const admin = (method: string, path: string, body?: unknown) =>
    raw(t, method, path, {
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    // CI's fresh machine has none of them: installed with apt-get (as root), or a clear message.
    execFileSync('bash', [join(REPO_ROOT, 'scripts', 'ensure-dav-clients.sh')], { stdio: 'inherit' });
    t = await startTestApp();
    work = await mkdtemp(join(tmpdir(), 'stockroom-dav-clients-'));
    davUrl = `${t.url}/dav/${FEED}/`;
    await createFeed(t, FEED);
    ep = endpoint(t, FEED);
    for (const [user, role] of [
      [USER, 'Manage Feed'],
      [READER, 'View & Download'],
    ]) {
      expect((await admin('POST', '/api/security/users', { userName: user, password: PASSWORD })).status).toBe(201);
      const grant = { principalType: 'user', principalName: user, role, feed: FEED };
      expect((await admin('POST', '/api/security/privileges', grant)).status).toBe(201);
    }
    const key = await admin('POST', '/api/api-keys/create', {
      type: 'Feed',
      feed: FEED,
      packagePermissions: ['view'],
    });
    expect(key.status).toBe(200);
    feedKey = JSON.parse(key.text).key;

    // The mirror fixture goes in through the asset API, so that mirroring depends on GET and the index only.
    mirrorTree = await writeTree(join(work, 'mirror-source'));
    for (const [path, bytes] of mirrorTree) {
      const res = await ep(`content/mirror/${encodePath(path)}`, { method: 'POST', body: bytes });
      expect([path, res.status]).toEqual([path, 201]);
    }
  }, 300_000);

  afterAll(async () => {
    await t?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('passes litmus (basic, copymove, props, locks, http) with no failure', async () => {
    const cwd = await mkdtemp(join(work, 'litmus-')); // litmus writes debug.log where it runs
    const run = await runTool('litmus', [davUrl, USER, PASSWORD], {
      cwd,
      env: { TESTS: 'basic copymove props locks http' },
      timeoutMs: 240_000,
    });
    const output = run.stdout + run.stderr;
    const summaries = [
      ...output.matchAll(/<- summary for `(\w+)': of (\d+) tests run: (\d+) passed, (\d+) failed/g),
    ].map(([, group, ran, , failed]) => ({ group, ran: Number(ran), failed: Number(failed) }));
    const groups = summaries.map((s) => s.group);
    const failed = summaries.filter((s) => s.failed > 0 || s.ran === 0);
    if (groups.join(' ') !== 'basic copymove props locks http' || failed.length > 0 || run.code !== 0) {
      const log = await readFile(join(cwd, 'debug.log'), 'utf8').catch(() => '');
      throw new Error(
        `litmus: ${failed.map((s) => `${s.group} ${s.failed} failed`).join(', ') || `groups ${groups.join(' ')}`}\n` +
          `${transcript('litmus', run)}\n${failedTraces(run.stdout, log)}`,
      );
    }
  }, 300_000);

  describe('rclone', () => {
    let obscured: string;
    const webdav = () => [
      `--webdav-url=${davUrl}`,
      `--webdav-user=${USER}`,
      `--webdav-pass=${obscured}`,
      '--webdav-vendor=other',
    ];
    /** rclone with no config file of its own and no retries (a failure shows at once). */
    const rclone = async (args: string[]) => {
      const run = await runTool('rclone', [...args, '--retries=1', '--low-level-retries=1', '-v'], {
        env: { HOME: work, RCLONE_CONFIG: join(work, 'rclone.conf') },
        timeoutMs: 120_000,
      });
      if (run.code !== 0) throw new Error(transcript(`rclone ${args[0]}`, run));
      return run;
    };

    beforeAll(async () => {
      const run = await runTool('rclone', ['obscure', PASSWORD]);
      expect(run.code).toBe(0);
      obscured = run.stdout.trim();
    });

    it('copies a folder tree up, checks it, and copies it back byte for byte', async () => {
      const source = join(work, 'rclone-source');
      const tree = await writeTree(source);
      await rclone(['copy', ...webdav(), source, ':webdav:rclone/up']);
      await rclone(['check', ...webdav(), source, ':webdav:rclone/up']);
      // --download compares the bytes, not only sizes (no hash is common to both sides here).
      await rclone(['check', '--download', ...webdav(), source, ':webdav:rclone/up']);

      // The asset API sees the same files.
      const listed = (await (await ep('dir/rclone/up?recursive=true')).json()) as {
        name: string;
        parent?: string;
        type?: string;
        size?: number;
      }[];
      const files = listed
        .filter((i) => i.type !== 'dir')
        .map((i) => [`${i.parent}/${i.name}`.replace(/^rclone\/up\//, ''), i.size]);
      expect(files.sort()).toEqual([...tree].map(([path, bytes]) => [path, bytes.length]).sort());
      const big = await ep('content/rclone/up/big/three-mib.bin');
      expect(Buffer.from(await big.arrayBuffer()).equals(tree.get('big/three-mib.bin') as Buffer)).toBe(true);

      const back = join(work, 'rclone-back');
      await rclone(['copy', ...webdav(), ':webdav:rclone/up', back]);
      expectSameTree(await filesUnder(back), tree);
    }, 180_000);

    it('mirrors a folder through the HTML index with the http backend', async () => {
      const out = join(work, 'rclone-http');
      await rclone([
        'copy',
        `--http-url=${davUrl}mirror/`,
        // A feed API key with View only: an X-ApiKey header is one of /dav/'s credentials.
        `--http-headers=X-ApiKey,${feedKey}`,
        ':http:',
        out,
      ]);
      expectSameTree(await filesUnder(out), mirrorTree);
    }, 120_000);
  });

  it('runs a cadaver session: mkcol, put, ls, get, move, delete, seen by the asset API', async () => {
    const home = await mkdtemp(join(work, 'cadaver-home-'));
    // cadaver (neon) takes the credentials for the host from ~/.netrc when the server asks for them.
    await writeFile(join(home, '.netrc'), `machine 127.0.0.1 login ${USER} password ${PASSWORD}\n`, { mode: 0o600 });
    const local = join(home, 'local');
    await mkdir(local);
    const keep = randomBytes(200_000);
    await writeFile(join(local, 'keep.bin'), keep);
    await writeFile(join(local, 'drop.txt'), 'to be deleted\n');
    const script = [
      'mkcol cadaver',
      'cd cadaver',
      `lcd ${local}`,
      'put keep.bin',
      'put drop.txt',
      'ls',
      'move keep.bin kept.bin',
      'delete drop.txt',
      'get kept.bin fetched.bin',
      'ls',
      'quit',
      '',
    ].join('\n');
    const run = await runTool('cadaver', [davUrl], {
      cwd: home,
      env: { HOME: home },
      input: script,
      timeoutMs: 60_000,
    });
    const output = run.stdout + run.stderr;
    try {
      expect(output).not.toMatch(/failed|Could not|not found/i);
      // One success line per step that changes something, in order.
      expect(output.match(/succeeded\./g)?.length).toBeGreaterThanOrEqual(6);
      expect(output).toMatch(/keep\.bin\s+200000/);
      expect(output).toMatch(/kept\.bin\s+200000/);
      expect((await readFile(join(local, 'fetched.bin'))).equals(keep)).toBe(true);
    } catch (e) {
      throw new Error(`${e instanceof Error ? e.message : e}\n${transcript('cadaver', run)}`);
    }
    // What the session left, as the asset API shows it.
    const listing = (await (await ep('dir/cadaver')).json()) as { name: string; size?: number }[];
    expect(listing.map((i) => [i.name, i.size])).toEqual([['kept.bin', keep.length]]);
    const kept = await ep('content/cadaver/kept.bin');
    expect(kept.status).toBe(200);
    expect(Buffer.from(await kept.arrayBuffer()).equals(keep)).toBe(true);
    expect((await ep('content/cadaver/keep.bin')).status).toBe(404);
    expect((await ep('content/cadaver/drop.txt')).status).toBe(404);
  }, 120_000);

  it('mirrors a folder with wget -r -np through the HTML index, bytes intact', async () => {
    const out = join(work, 'wget');
    const run = await runTool(
      'wget',
      [
        '-r',
        '-np',
        '-nH',
        '--cut-dirs=3', // dav/{directory}/mirror
        '-e',
        'robots=off',
        '--restrict-file-names=nocontrol', // keep UTF-8 names as they are
        '--user',
        READER,
        '--password',
        PASSWORD, // sent after the server's 401 Basic challenge
        '-P',
        out,
        `${davUrl}mirror/`,
      ],
      { timeoutMs: 120_000 },
    );
    if (run.code !== 0) throw new Error(transcript('wget', run));
    // wget keeps each folder's index page as index.html (and any sorted view of it as index.html?…): everything
    // else is the directory's files.
    expectSameTree(await filesUnder(out, (name) => name.startsWith('index.html')), mirrorTree);
    const index = await readFile(join(out, 'index.html'), 'utf8');
    expect(index).not.toMatch(/<script/i);
    // Relative links, so the mirror works wherever the directory is mounted.
    expect(index).toMatch(/href="(\.\/)?big\/"/);
    expect(index).not.toMatch(/href="https?:/);
  }, 120_000);
});
