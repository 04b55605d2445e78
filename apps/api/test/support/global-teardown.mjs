export default async function globalTeardown() {
  const pg = globalThis.__STOCKROOM_PG__;
  // Every jest project of the run calls this: the first one stops it.
  globalThis.__STOCKROOM_PG__ = undefined;
  if (pg) await pg.stop();
}
