// Starting an embedded PostgreSQL for the tests on a port the system hands out (PostgreSQL cannot
// take port 0 itself, nor say which it got). Shared by global-setup.mjs and legacy-embedded-postgres.mjs.
import { createServer } from 'node:net';

/** A port the system hands out now. */
const freePort = () =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

/**
 * Initialises the data folder of `options` (unless done before), then starts PostgreSQL on a free port.
 * The port is free when asked for, but another process may take it before PostgreSQL does: then
 * PostgreSQL says so and exits, and it starts again on another one. Rejects with PostgreSQL's last
 * log lines when it does not start. Resolves with the running instance and its port.
 */
export async function startOnFreePort(EmbeddedPostgres, options) {
  let log = '';
  const withLog = { ...options, onLog: (message) => (log = `${log}${message}`.slice(-4000)) };
  await new EmbeddedPostgres({ ...withLog, port: 5432 }).initialise();
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    log = '';
    const pg = new EmbeddedPostgres({ ...withLog, port });
    try {
      await pg.start();
      return { pg, port };
    } catch (e) {
      if (attempt < 5 && /already in use/i.test(log)) continue;
      throw new Error(`${e instanceof Error ? e.message : (e ?? 'PostgreSQL exited')}:\n${log}`);
    }
  }
}
