import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '../../../..');

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * A private nginx (Debian's nginx-light; scripts/ensure-nginx.sh installs it when missing) serving a
 * temporary folder on a free port: a real HTTP file source, with ETag and Last-Modified from the
 * files, HEAD, 304 on If-None-Match/If-Modified-Since, and an access log (`METHOD URI STATUS` per
 * line) to count what it was asked. `locations` adds raw `location` blocks (redirects, errors).
 */
export class Nginx {
  port = 0;
  /** The folder it serves. */
  root = '';
  private dir = '';
  private child?: ChildProcess;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(options: { locations?: string } = {}): Promise<Nginx> {
    execFileSync('bash', [join(REPO_ROOT, 'scripts', 'ensure-nginx.sh')], { stdio: 'inherit' });
    const nginx = new Nginx();
    await nginx.boot(options.locations ?? '');
    return nginx;
  }

  /** Writes a file under the root (folders made), with its modification time when given. */
  async put(path: string, content: Buffer | string, modified?: Date): Promise<void> {
    const file = join(this.root, path);
    await mkdir(dirname(file), { recursive: true, mode: 0o755 });
    await writeFile(file, content, { mode: 0o644 });
    if (modified) await utimes(file, modified, modified);
  }

  async remove(path: string): Promise<void> {
    await rm(join(this.root, path), { force: true });
  }

  /** The requests it answered, as `METHOD URI STATUS` lines (optionally only those for `uri`). */
  async requests(uri?: string): Promise<string[]> {
    const log = await readFile(join(this.dir, 'access.log'), 'utf8').catch(() => '');
    const lines = log.split('\n').filter((l) => l !== '');
    return uri === undefined ? lines : lines.filter((l) => l.split(' ')[1] === uri);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }

  private async boot(locations: string): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'stockroom-nginx-'));
    this.root = join(this.dir, 'root');
    // nginx's workers run as another user when started by root: everything they serve is world-readable.
    await chmod(this.dir, 0o755);
    await mkdir(this.root, { mode: 0o755 });
    await writeFile(join(this.root, 'ready.txt'), 'ready');
    for (let attempt = 1; ; attempt++) {
      // nginx cannot listen on port 0: a port the system handed out, another if it was taken meanwhile.
      this.port = await freePort();
      const d = this.dir;
      await writeFile(
        join(d, 'nginx.conf'),
        `daemon off;
worker_processes 1;
pid ${d}/nginx.pid;
error_log ${d}/error.log;
events { worker_connections 512; }
http {
  log_format counted '$request_method $uri $status';
  access_log ${d}/access.log counted;
  default_type application/octet-stream;
  types { text/plain txt; application/gzip gz; application/json json; }
  client_body_temp_path ${d}/body;
  proxy_temp_path ${d}/proxy;
  fastcgi_temp_path ${d}/fastcgi;
  uwsgi_temp_path ${d}/uwsgi;
  scgi_temp_path ${d}/scgi;
  server {
    listen 127.0.0.1:${this.port};
    root ${this.root};
${locations}
  }
}
`,
      );
      const child = spawn('nginx', ['-p', d, '-e', join(d, 'error.log'), '-c', join(d, 'nginx.conf')], {
        stdio: 'ignore',
      });
      this.child = child;
      if (await this.ready(child)) return;
      const inUse = /Address already in use/.test(await readFile(join(d, 'error.log'), 'utf8').catch(() => ''));
      if (child.exitCode === null) child.kill('SIGKILL');
      if (!inUse || attempt >= 5) {
        throw new Error(`nginx did not start: ${await readFile(join(d, 'error.log'), 'utf8').catch(() => '')}`);
      }
    }
  }

  /** Whether it answers (polls its ready file while the process lives; gives up after 15 s). */
  private async ready(child: ChildProcess): Promise<boolean> {
    for (const end = Date.now() + 15_000; Date.now() < end && child.exitCode === null; ) {
      try {
        const res = await fetch(`${this.url}/ready.txt`);
        if (res.status === 200) {
          await res.text();
          return true;
        }
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  }
}
