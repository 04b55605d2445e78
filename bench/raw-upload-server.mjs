// The upload reference: the least a Node server can do with a request body, i.e. pipe it into a
// new file and answer 201. Usage: node bench/raw-upload-server.mjs <port> <directory> (port 0: the
// system picks one; the line "raw upload server listening on <port>" says which).
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream';

const [port, dir] = process.argv.slice(2);
let count = 0;

const server = createServer((req, res) => {
  if (req.method === 'GET') return res.end('ok');
  const file = join(dir, `upload-${++count}.bin`);
  pipeline(req, createWriteStream(file), (err) => {
    res.statusCode = err ? 500 : 201;
    res.end(err ? String(err) : '');
  });
});
server.listen(Number(port), '127.0.0.1', () => console.log(`raw upload server listening on ${server.address().port}`));
