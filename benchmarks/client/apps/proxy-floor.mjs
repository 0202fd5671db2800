/**
 * The floor of any node *proxy* to php-fpm (quick-proxy.ts `pfloor`, proxy-bench.ts's extra row):
 * a node:http server that forwards each request to php-fpm over FastCGI doing as little as a
 * correct-enough proxy can. No gw code, no dependencies. What it leaves out is on purpose: it
 * measures node:http + one unix socket write and read per request, not a general proxy.
 *
 * - A pool of at most MAX_CONNECTIONS (4 = php-fpm's pm.max_children, like gw's maxConnections)
 *   kept-alive connections (FCGI_KEEP_CONN), opened on demand; requests beyond that wait FIFO, and
 *   a connection whose END_REQUEST arrives takes the next waiting request *before* the finished
 *   response is written to its client, so php-fpm's worker is never left waiting on node.
 * - The request bytes (BEGIN_REQUEST + one PARAMS record + empty PARAMS + empty STDIN) are built
 *   once per method and URL and cached; request id 1 always (one request per connection at a
 *   time). Params: Debian's fastcgi.conf as nginx sends them (lib/nginx-php.ts), with fixed
 *   REMOTE_*, SERVER_* and HTTP_HOST values. Request bodies are not forwarded (501).
 * - The response: a record walker collecting STDOUT; at END_REQUEST the CGI head (up to php-fpm's
 *   `\r\n\r\n`) becomes one writeHead(status, flatHeaders) + end(body). No Content-Length is added,
 *   so node answers chunked, like hello-floor.mjs and the streaming proxies.
 * - No timeouts except the idle close the benchmark needs: php-fpm pins a worker to each kept-alive
 *   connection, so the front end measured next would find every worker taken. A sweep every
 *   IDLE_MS/2 closes a connection that served nothing since the previous sweep (idle 0.5–1 × IDLE_MS),
 *   at no per-request cost. A connection that closes is dropped (the next request opens another);
 *   its request, or every waiting one if php-fpm cannot be reached at all, is answered 502.
 *
 * Prints `listening`, exits 0 on SIGTERM.
 * argv: PORT SOCKET DOCROOT [MAX_CONNECTIONS=4] [IDLE_MS=1000]
 */
import { createServer } from 'node:http';
import { connect } from 'node:net';

const [port, socketPath, docroot, maxArg, idleArg] = process.argv.slice(2);
const MAX_CONNECTIONS = Number(maxArg ?? 4);
const IDLE_MS = Number(idleArg ?? 1000);

// FastCGI 1.0 record types and constants (spec §8).
const BEGIN_REQUEST = 1;
const END_REQUEST = 3;
const PARAMS = 4;
const STDIN = 5;
const STDOUT = 6;
const RESPONDER = 1;
const KEEP_CONN = 1;

/** One record, request id 1, content padded to a multiple of 8 as nginx does. */
function record(type, content) {
  const padding = (8 - (content.length % 8)) % 8;
  const out = Buffer.alloc(8 + content.length + padding);
  out[0] = 1; // version
  out[1] = type;
  out.writeUInt16BE(1, 2); // request id
  out.writeUInt16BE(content.length, 4);
  out[6] = padding;
  content.copy(out, 8);
  return out;
}

/** A name-value pair: lengths below 128 in one byte, longer ones in four with the high bit set (spec §3.4). */
function pair(name, value) {
  const n = Buffer.from(name, 'latin1');
  const v = Buffer.from(value, 'latin1');
  const length = (len) => (len < 128 ? Buffer.from([len]) : Buffer.from([(len >>> 24) | 0x80, len >>> 16, len >>> 8, len]));
  return Buffer.concat([length(n.length), length(v.length), n, v]);
}

/** Everything php-fpm needs for `method url`, in one buffer (one socket.write per request). */
function requestBytes(method, url) {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const params = [
    ['SCRIPT_FILENAME', docroot + path],
    ['QUERY_STRING', q === -1 ? '' : url.slice(q + 1)],
    ['REQUEST_METHOD', method],
    ['CONTENT_TYPE', ''],
    ['CONTENT_LENGTH', ''],
    ['SCRIPT_NAME', path],
    ['REQUEST_URI', url],
    ['DOCUMENT_URI', path],
    ['DOCUMENT_ROOT', docroot],
    ['SERVER_PROTOCOL', 'HTTP/1.1'],
    ['REQUEST_SCHEME', 'http'],
    ['GATEWAY_INTERFACE', 'CGI/1.1'],
    ['SERVER_SOFTWARE', 'node'],
    ['REMOTE_ADDR', '127.0.0.1'],
    ['REMOTE_PORT', '40000'],
    ['SERVER_ADDR', '127.0.0.1'],
    ['SERVER_PORT', String(port)],
    ['SERVER_NAME', ''],
    ['REDIRECT_STATUS', '200'],
    ['HTTP_HOST', `127.0.0.1:${port}`],
  ];
  const begin = Buffer.from([0, RESPONDER, KEEP_CONN, 0, 0, 0, 0, 0]);
  const body = Buffer.concat(params.map(([n, v]) => pair(n, v)));
  return Buffer.concat([record(BEGIN_REQUEST, begin), record(PARAMS, body), record(PARAMS, Buffer.alloc(0)), record(STDIN, Buffer.alloc(0))]);
}

const cache = new Map([['GET /hello.php', requestBytes('GET', '/hello.php')]]);
const idle = []; // connections with no request, last freed on top
const waiting = []; // { res, bytes } in arrival order
let open = 0;

/** Opens a connection and sends `job` on it right away (net buffers the write until connected). */
function openConnection(job) {
  open++;
  const conn = { socket: connect(socketPath), job: null, connected: false, served: 0, seen: -1, pending: null, stdout: [] };
  conn.socket.once('connect', () => (conn.connected = true));
  conn.socket.on('data', (chunk) => onData(conn, chunk));
  conn.socket.on('error', () => {}); // 'close' follows and does the work
  conn.socket.on('close', () => onClose(conn));
  send(conn, job);
}

function send(conn, job) {
  conn.job = job;
  conn.socket.write(job.bytes);
}

/** Walks the records in `chunk` (plus the partial record left from the previous one). */
function onData(conn, chunk) {
  const buf = conn.pending === null ? chunk : Buffer.concat([conn.pending, chunk]);
  conn.pending = null;
  let at = 0;
  while (buf.length - at >= 8) {
    const contentLength = buf.readUInt16BE(at + 4);
    const end = at + 8 + contentLength + buf[at + 6];
    if (end > buf.length) break;
    const type = buf[at + 1];
    if (type === STDOUT && contentLength > 0) conn.stdout.push(buf.subarray(at + 8, at + 8 + contentLength));
    else if (type === END_REQUEST) finish(conn);
    // STDERR and anything else: ignored
    at = end;
  }
  if (at < buf.length) conn.pending = buf.subarray(at);
}

/** END_REQUEST: hand the connection its next request first, then answer the finished one. */
function finish(conn) {
  const { res } = conn.job;
  const stdout = conn.stdout.length === 1 ? conn.stdout[0] : Buffer.concat(conn.stdout);
  conn.stdout = [];
  conn.job = null;
  conn.served++;
  if (waiting.length > 0) send(conn, waiting.shift());
  else idle.push(conn);
  answer(res, stdout);
}

/** CGI head → status + headers; `Status: 404 Not Found` sets the status, every other line passes through. */
function answer(res, stdout) {
  const split = stdout.indexOf('\r\n\r\n');
  if (split === -1) return fail(res);
  let status = 200;
  const headers = [];
  for (const line of stdout.toString('latin1', 0, split).split('\r\n')) {
    const colon = line.indexOf(': ');
    const name = line.slice(0, colon);
    if (name.length === 6 && name.toLowerCase() === 'status') status = Number.parseInt(line.slice(colon + 2), 10);
    else headers.push(name, line.slice(colon + 2));
  }
  res.writeHead(status, headers);
  res.end(stdout.subarray(split + 4));
}

function fail(res) {
  if (res.headersSent) return res.destroy();
  res.writeHead(502).end();
}

function onClose(conn) {
  open--;
  const at = idle.indexOf(conn);
  if (at !== -1) idle.splice(at, 1);
  if (conn.job !== null) fail(conn.job.res);
  // Never connected: php-fpm is not there, so every waiting request fails rather than retrying forever.
  if (!conn.connected) for (const job of waiting.splice(0)) fail(job.res);
  else if (waiting.length > 0 && open < MAX_CONNECTIONS) openConnection(waiting.shift());
}

// The idle sweep: a connection idle now that served nothing since the last sweep is closed.
setInterval(() => {
  for (const conn of idle.slice()) {
    if (conn.served === conn.seen) {
      idle.splice(idle.indexOf(conn), 1);
      conn.socket.destroy();
    } else conn.seen = conn.served;
  }
}, IDLE_MS / 2).unref();

const server = createServer((req, res) => {
  if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) return void res.writeHead(501).end();
  const key = `${req.method} ${req.url}`;
  let bytes = cache.get(key);
  if (bytes === undefined) {
    if (cache.size > 1000) cache.clear();
    bytes = requestBytes(req.method, req.url);
    cache.set(key, bytes);
  }
  const job = { res, bytes };
  if (idle.length > 0) send(idle.pop(), job);
  else if (open < MAX_CONNECTIONS) openConnection(job);
  else waiting.push(job);
});
server.keepAliveTimeout = 600_000;
server.listen(Number(port), '127.0.0.1', () => process.stdout.write('listening\n'));
process.once('SIGTERM', () => process.exit(0));
