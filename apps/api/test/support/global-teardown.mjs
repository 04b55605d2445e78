export default async function globalTeardown() {
  const pg = globalThis.__STOCKROOM_PG__;
  if (pg) await pg.stop();
}
