import type { ChildProcess } from 'node:child_process';
import * as net from 'node:net';

/** A TCP port nobody listens on right now (and, with luck, right after). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** Whether something accepts connections on 127.0.0.1:`port`. */
export function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Emulators started by tests die with the test process, even after a failed setup. */
export function killOnExit(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of running) c.kill('SIGKILL');
    });
  }
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/**
 * Waits until `child` writes a whole line (on stdout or stderr, whichever are piped) that matches
 * `pattern`, and answers the match: how a server started on port 0 tells the port it got. Rejects
 * with the output so far when the child exits first or after `timeoutMs`. `output()` is the last
 * ~20,000 characters written, for failure messages, and keeps growing after the match.
 */
export function waitForLine(
  child: ChildProcess,
  pattern: RegExp,
  options: { timeoutMs: number; what: string },
): { match: Promise<RegExpMatchArray>; output(): string } {
  let output = '';
  let pending = ''; // the current, unfinished line
  let onLine: ((line: string) => void) | undefined;
  const capture = (s: string) => {
    output = (output + s).slice(-20_000);
    const lines = (pending + s).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) onLine?.(line);
  };
  child.stdout?.setEncoding('utf8').on('data', capture);
  child.stderr?.setEncoding('utf8').on('data', capture);
  const match = new Promise<RegExpMatchArray>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      child.off('exit', onExit);
      onLine = undefined;
    };
    const onExit = () => {
      done();
      // Its last words may still be in the pipe.
      setTimeout(
        () => reject(new Error(`${options.what} exited before it was listening:\n${output.trim() || '(no output)'}`)),
        100,
      );
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`${options.what} was not listening within ${options.timeoutMs} ms:\n${output.trim()}`));
    }, options.timeoutMs);
    onLine = (line) => {
      const m = line.match(pattern);
      if (!m) return;
      done();
      resolve(m);
    };
    if (child.exitCode !== null || child.signalCode !== null) onExit();
    else child.once('exit', onExit);
  });
  // A caller may only look at the output: no unhandled rejection for a match nobody awaits.
  match.catch(() => undefined);
  return { match, output: () => output };
}
