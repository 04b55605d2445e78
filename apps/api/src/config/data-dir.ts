import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@nestjs/common';

/** Files under the data folder that hold secrets: readable by this server's user only. */
const SECRET_FILES = ['encryption.key', 'postgres-password', 'postgres-superuser-password'];

/**
 * Makes the data folder private, at every start (so installs made before are fixed too): the
 * folder 0700 — 0711 when the embedded PostgreSQL runs as its own `postgres` user (Stockroom as
 * root), which must pass through it to reach `postgres/` (kept 0700 by PostgreSQL itself) — the
 * default disk storage and the temp folder 0700, secret files 0600. Files the storage writes are
 * 0600 from their creation; older ones are out of reach behind their 0700 folder.
 */
export async function secureDataDir(dataDir: string, embeddedPostgres: boolean, logger: Logger): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const traversable = embeddedPostgres && process.getuid?.() === 0;
  const modes: Array<[string, number, boolean]> = [
    [dataDir, traversable ? 0o711 : 0o700, true],
    [join(dataDir, 'storage'), 0o700, true],
    [join(dataDir, 'tmp'), 0o700, true],
    ...SECRET_FILES.map((f): [string, number, boolean] => [join(dataDir, f), 0o600, false]),
  ];
  for (const [path, mode, folder] of modes) {
    try {
      if (folder) await mkdir(path, { recursive: true, mode });
      await chmod(path, mode);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      // A folder this user does not own (a mounted volume): say so, but it is not fatal.
      logger.warn(`Could not make ${path} private (mode ${mode.toString(8)}): ${code ?? (e as Error).message}`);
    }
  }
}
