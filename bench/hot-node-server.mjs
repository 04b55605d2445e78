// The download references of bench/hot.mjs: the least a Node `http` server does to answer a file.
//   GET /mem/<name>     the file's bytes from memory (read once at start; files up to 16 MiB)
//   GET /stream/<name>  fs.createReadStream with 1 MiB reads (highWaterMark) piped to the response
// Usage: node bench/hot-node-server.mjs <port> <directory> (port 0: the system picks one; the line
// "hot node server listening on <port>" says which). One process, no credentials, no other routes.
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream';

const [port, dir] = process.argv.slice(2);
const MiB = 1024 ** 2;

const memory = new Map();
for (const name of await readdir(dir)) {
  const path = join(dir, name);
  const s = await stat(path);
  if (s.isFile() && s.size <= 16 * MiB) memory.set(name, await readFile(path));
}

const server = createServer((req, res) => {
  const [, kind, name] = /^\/(mem|stream)\/([^/]+)$/.exec(req.url) ?? [];
  if (req.method !== 'GET' || !kind) {
    res.statusCode = 404;
    res.end();
    return;
  }
  if (kind === 'mem') {
    const body = memory.get(name);
    if (!body) {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
    res.end(body);
    return;
  }
  const path = join(dir, name);
  stat(path).then(
    (s) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': s.size });
      pipeline(createReadStream(path, { highWaterMark: MiB }), res, () => undefined);
    },
    () => {
      res.statusCode = 404;
      res.end();
    },
  );
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), '127.0.0.1', () => console.log(`hot node server listening on ${server.address().port}`));
