import { rm } from 'node:fs/promises';

export default async function globalTeardown() {
  const pg = globalThis.__STOCKROOM_PG__;
  const dir = globalThis.__STOCKROOM_PG_DIR__;
  // Every jest project of the run calls this: the first one stops it and removes its folder.
  globalThis.__STOCKROOM_PG__ = undefined;
  globalThis.__STOCKROOM_PG_DIR__ = undefined;
  if (pg) await pg.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}
