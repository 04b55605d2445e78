// Before the console's end-to-end tests: Chromium on the machine, the console built, a database.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import databaseSetup from '../../api/test/support/global-setup.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export default async function globalSetup() {
  execFileSync('bash', [join(ROOT, 'scripts', 'ensure-chromium.sh')], { stdio: 'inherit' });
  // A console built elsewhere (STOCKROOM_CONSOLE_DIR) is tested as it is.
  if (!process.env.STOCKROOM_CONSOLE_DIR) buildConsole();
  await databaseSetup();
}

/** The console the server serves: built from the sources now (nx's cache makes a rebuild quick). */
function buildConsole() {
  try {
    execFileSync('npx', ['nx', 'build', 'web'], {
      cwd: ROOT,
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
      stdio: 'pipe',
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (e) {
    const output = `${e.stdout ?? ''}${e.stderr ?? ''}`.slice(-4000);
    throw new Error(`Building the console (npx nx build web) failed:\n${output}`);
  }
  if (!existsSync(join(ROOT, 'dist', 'apps', 'web', 'browser', 'index.html'))) {
    throw new Error('npx nx build web finished without dist/apps/web/browser/index.html');
  }
}
