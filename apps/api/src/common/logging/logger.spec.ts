import { createServer, request, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PinoLogger } from 'nestjs-pino';
import { __resetOutOfContextForTests } from 'nestjs-pino/PinoLogger';
import type pino from 'pino';
import type { LogFormat, LogLevel } from '../../config/app-config';
import { createLogger, StockroomLogger, textLine } from './logger';
import { requestLogging } from './request-logging';
import { startupBanner } from './startup-banner';

/** nestjs-pino keeps one root logger per process: each test's own, here. */
function nestLogger(logger: pino.Logger): StockroomLogger {
  __resetOutOfContextForTests();
  return new StockroomLogger(new PinoLogger({ pinoHttp: { logger } }), {});
}

function capture(format: LogFormat, level: LogLevel = 'info') {
  const lines: string[] = [];
  const logger = createLogger({ log: { format, level, requests: true } }, (line) => lines.push(line));
  return { logger, lines, text: () => lines.join('') };
}

describe('logs', () => {
  it('json: one JSON object per line with a level name, time, context and message', () => {
    const { logger, lines } = capture('json');
    nestLogger(logger).warn('disk almost full', 'Storage');
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 'warn', context: 'Storage', msg: 'disk almost full' });
    expect(new Date(String(entry['time'])).getTime()).toBeGreaterThan(0);
  });

  it('text: one readable line per entry, errors with their stack indented below', () => {
    const { logger, text } = capture('text');
    const nest = nestLogger(logger);
    nest.log('Storage move 3 completed', 'StorageMovesService');
    logger.error({ err: new Error('boom') }, 'failed');
    expect(text()).toMatch(/^\[\S+Z\] INFO: \[StorageMovesService\] Storage move 3 completed\n/);
    expect(text()).toMatch(/ERROR: failed[^\n]*\n[\s\S]*Error: boom\n {4,}at /);
  });

  it('text: a request line is its message alone; other entries keep their extra fields', () => {
    const time = '2026-12-06T06:31:12.426Z';
    const line = (o: object) => textLine(JSON.stringify({ level: 'info', time, ...o }));
    expect(
      line({ reqId: 3, method: 'GET', path: '/a', status: 200, bytes: 9, responseTime: 4, msg: 'GET /a 200 4ms 9B' }),
    ).toBe(`[${time}] INFO: GET /a 200 4ms 9B\n`);
    expect(line({ context: 'Retention', msg: 'run done', deleted: 3 })).toBe(
      `[${time}] INFO: [Retention] run done {"deleted":3}\n`,
    );
  });

  it("moves Nest's route-mapping chatter to debug: absent at info, present at debug", () => {
    for (const [level, shown] of [
      ['info', false],
      ['debug', true],
    ] as const) {
      const { logger, text } = capture('text', level);
      const nest = nestLogger(logger);
      nest.log('Mapped {/api/security/me, GET} route', 'RouterExplorer');
      nest.log('AppModule dependencies initialized', 'InstanceLoader');
      nest.log('Nest application successfully started', 'NestApplication');
      expect(/Mapped \{/.test(text())).toBe(shown);
      expect(/successfully started/.test(text())).toBe(shown);
    }
  });

  it('redacts credentials in any object logged with headers', () => {
    const { logger, text } = capture('json');
    logger.info({ req: { headers: { authorization: 'Basic c2VjcmV0', 'x-apikey': 'k-123', cookie: 's=1' } } }, 'x');
    expect(text()).not.toMatch(/c2VjcmV0|k-123|s=1/);
    expect(text()).toMatch(/\[redacted\]/);
  });

  it('the ready banner: boxed in text, one structured entry in JSON; the password only at first start', () => {
    const info = {
      version: '1.0.0',
      listening: 'http://localhost:4567',
      dataDir: '/srv/data',
      adminUser: 'Admin',
    };
    const first = startupBanner({ ...info, admin: { created: true, generatedPassword: 'pw-123' } });
    const { logger, text } = capture('text');
    logger.info(first.fields, first.message);
    expect(text()).toMatch(/\n={60,80}\n {2}Stockroom 1\.0\.0 is running at http:\/\/localhost:4567\n/);
    expect(text()).toMatch(/Data folder: +\/srv\/data\n/);
    expect(text()).toMatch(/Created user "Admin" with password: pw-123\n/);
    expect(text()).toMatch(/\n={60,80}\n\n$/);

    const json = capture('json');
    json.logger.info(first.fields, first.message);
    expect(JSON.parse(json.lines[0])).toMatchObject({
      event: 'ready',
      url: 'http://localhost:4567',
      dataDir: '/srv/data',
      adminUser: 'Admin',
      adminPassword: 'pw-123',
      firstStart: true,
    });

    const later = startupBanner({ ...info, publicUrl: 'https://files.example.com', admin: { created: false } });
    expect(later.message).not.toMatch(/pw-123|with password:/);
    expect(later.message).toMatch(/running at https:\/\/files\.example\.com\n/);
    expect(later.message).toMatch(/Listening on: +http:\/\/localhost:4567/);
    expect(later.message).toMatch(/Sign in as "Admin"/);
    expect(later.fields['adminPassword']).toBeUndefined();
  });
});

describe('request lines (STOCKROOM_LOG_REQUESTS)', () => {
  let server: Server;
  let port: number;
  let lines: string[];

  beforeEach(async () => {
    const captured = capture('json');
    lines = captured.lines;
    const middleware = requestLogging(captured.logger, true);
    server = createServer((req, res) => {
      middleware(req, res);
      if (req.url?.startsWith('/slow')) {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.write('partial');
        return; // never ends: the client gives up
      }
      req.resume();
      req.on('end', () => res.end('hello'));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    port = (server.address() as AddressInfo).port;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  });

  const send = (path: string, headers: Record<string, string>, body = '') =>
    new Promise<void>((done, fail) => {
      const req = request({ port, host: '127.0.0.1', path, method: 'POST', headers }, (res) => {
        res.resume();
        res.on('end', done);
      });
      req.on('error', fail);
      req.end(body);
    });

  const entries = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

  it('one line: method, path without the query, status, duration, bytes; no credentials', async () => {
    await send(
      '/endpoints/f/content/a.bin?token=SECRET-TOKEN&expires=1',
      {
        Authorization: 'Basic QWRtaW46aHVudGVyMg==',
        'X-ApiKey': 'key-SECRET',
        Cookie: 'stockroom_session=SECRET-COOKIE',
      },
      '12345',
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/SECRET|QWRtaW46aHVudGVyMg|token=/);
    expect(entries()[0]).toMatchObject({
      level: 'info',
      method: 'POST',
      path: '/endpoints/f/content/a.bin',
      status: 200,
      msg: expect.stringMatching(/^POST \/endpoints\/f\/content\/a\.bin 200 \d+ms \d+B$/),
    });
    // Headers included: more than the 5-byte body.
    expect(entries()[0]['bytes']).toBeGreaterThan(5);
  });

  it('a response the client walked away from is logged as aborted by the client', async () => {
    await new Promise<void>((done) => {
      const req = request({ port, host: '127.0.0.1', path: '/slow?x=1' }, (res) => {
        res.once('data', () => req.destroy());
      });
      req.on('error', () => undefined);
      req.on('close', () => done());
      req.end();
    });
    for (let i = 0; i < 40 && lines.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(entries()[0]).toMatchObject({ path: '/slow', aborted: true });
    expect(String(entries()[0]['msg'])).toMatch(/^GET \/slow 200 \d+ms .*\(aborted by the client\)$/);
  });
});
