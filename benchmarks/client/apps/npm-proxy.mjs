/**
 * The npm anchor of target 2: a node:http server that forwards each request to php-fpm with
 * fastcgi-client 0.2.0, the same handler shape as gw's proxy: nginx-style params, the request body
 * piped to STDIN, the CGI head parsed, the body streamed to the client.
 *
 * fastcgi-client opens one connection per request without FCGI_KEEP_CONN when the app does not
 * multiplex (php-fpm), and *fails* a request beyond `maxConns` instead of queueing it; so the
 * server check is skipped (it would lower maxConns to php-fpm's FCGI_MAX_CONNS = 4 and turn 12 of
 * wrk's 16 requests into errors) and maxConns is 64: surplus connections wait in php-fpm's listen
 * backlog, which is harmless here because no connection is kept alive.
 *
 * argv: PORT SOCKET DOCROOT
 */
import { createServer } from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const fastcgiConnector = require('fastcgi-client');

const [port, socket, docroot] = process.argv.slice(2);
const client = fastcgiConnector({ sockFile: socket, skipCheckServer: true, maxConns: 64, maxReqs: 64, mpxsConns: false });
await new Promise((resolve) => client.once('ready', resolve));

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'upgrade', 'trailer', 'proxy-connection']);

function paramsOf(req) {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const params = {
    SCRIPT_FILENAME: docroot + path,
    QUERY_STRING: q === -1 ? '' : url.slice(q + 1),
    REQUEST_METHOD: req.method,
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    CONTENT_LENGTH: req.headers['content-length'] ?? '',
    SCRIPT_NAME: path,
    REQUEST_URI: url,
    DOCUMENT_URI: path,
    DOCUMENT_ROOT: docroot,
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    REQUEST_SCHEME: 'http',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_SOFTWARE: 'node',
    REMOTE_ADDR: req.socket.remoteAddress ?? '',
    REMOTE_PORT: String(req.socket.remotePort ?? ''),
    SERVER_ADDR: req.socket.localAddress ?? '',
    SERVER_PORT: String(req.socket.localPort ?? ''),
    SERVER_NAME: 'localhost',
    REDIRECT_STATUS: '200',
  };
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = `HTTP_${req.rawHeaders[i].toUpperCase().replace(/-/g, '_')}`;
    if (name !== 'HTTP_CONTENT_TYPE' && name !== 'HTTP_CONTENT_LENGTH') params[name] = req.rawHeaders[i + 1];
  }
  return params;
}

function fail(res, status) {
  if (res.headersSent) return res.destroy();
  res.statusCode = status;
  res.end();
}

const server = createServer((req, res) => {
  client.request(paramsOf(req), (err, request) => {
    if (err) return fail(res, 502);
    req.pipe(request.stdin);
    let head = Buffer.alloc(0);
    let headDone = false;
    request.stdout.on('data', (chunk) => {
      if (headDone) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      headDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else if (!HOP_BY_HOP.has(name.toLowerCase())) res.appendHeader(name, value);
      }
      res.statusCode = status;
      const rest = head.subarray(end + 4);
      if (rest.length > 0) res.write(rest);
    });
    request.stdout.on('end', () => (headDone ? res.end() : fail(res, 502)));
    request.stderr.resume();
    request.stdout.on('error', () => fail(res, 502));
  });
});
server.keepAliveTimeout = 600_000;
server.listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\n'));
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
});
