/**
 * The floor of any node front end (quick-proxy.ts): a bare node:http server answering what
 * hello.php answers (`Content-Type: text/plain`, `Hello, World!\n`, chunked like the proxied
 * response), with no upstream. Prints `listening`, exits 0 on SIGTERM.
 *
 * argv: PORT
 */
import { createServer } from 'node:http';

const server = createServer((_req, res) => {
  res.writeHead(200, ['Content-Type', 'text/plain; charset=UTF-8']);
  res.end('Hello, World!\n');
});
server.keepAliveTimeout = 600_000;
server.listen(Number(process.argv[2]), '127.0.0.1', () => process.stdout.write('listening\n'));
process.once('SIGTERM', () => process.exit(0));
