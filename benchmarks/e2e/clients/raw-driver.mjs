/**
 * A minimal closed-loop load driver for app-cpu.ts: `connections` unix-socket connections, each
 * sending one pre-encoded request, waiting for the whole response, and sending the next — what
 * nginx does on a kept-alive upstream connection, without nginx's own CPU in the picture.
 *
 * Usage: node raw-driver.mjs <fastcgi|http> <socket> <connections> <seconds> <hello|64k>
 * Prints one JSON line: { requests, errors }.
 *
 * The requests are the nginx-shaped ones of the codec benchmarks (codec/fixtures.ts), passed in
 * hex in RAW_REQUEST_HEX so this file needs no TypeScript: FastCGI BEGIN (KEEP_CONN) + PARAMS + terminators,
 * or the equivalent HTTP/1.1 request.
 */
import { connect } from 'node:net';

const [protocol, socketPath, connectionsArg, secondsArg] = process.argv.slice(2);
const requestBytes = Buffer.from(process.env.RAW_REQUEST_HEX ?? '', 'hex');
if (requestBytes.length === 0) throw new Error('RAW_REQUEST_HEX is not set');
const deadline = Date.now() + Number(secondsArg) * 1000;
/** RAW_MAX_REQUESTS: stop after this many responses (for instruction counts under valgrind). */
const maxRequests = Number(process.env.RAW_MAX_REQUESTS ?? Infinity);
let requests = 0;
let errors = 0;

/** FastCGI: the response is complete once an END_REQUEST record (type 3) has fully arrived. */
function fastcgiComplete(buffer) {
  let at = 0;
  while (at + 8 <= buffer.length) {
    const length = buffer.readUInt16BE(at + 4) + buffer[at + 6];
    if (at + 8 + length > buffer.length) return false;
    if (buffer[at + 1] === 3) return true;
    at += 8 + length;
  }
  return false;
}

/** HTTP: complete once the head and Content-Length bytes of body have arrived. */
function httpComplete(buffer) {
  const end = buffer.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const match = /content-length: *(\d+)/i.exec(buffer.toString('latin1', 0, end));
  if (!match) throw new Error('response without Content-Length');
  return buffer.length >= end + 4 + Number(match[1]);
}

const complete = protocol === 'fastcgi' ? fastcgiComplete : httpComplete;

/**
 * RAW_REQUESTS_PER_CONNECTION: close each connection after this many responses and open another
 * (nginx with `keepalive 32` under 50 wrk connections opens one per ~5 requests, see e2e results).
 */
const perConnection = Number(process.env.RAW_REQUESTS_PER_CONNECTION || Infinity);

async function runConnection() {
  while (Date.now() < deadline && requests < maxRequests) await oneConnection();
}

function oneConnection() {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    let served = 0;
    let chunks = [];
    let size = 0;
    socket.on('connect', () => socket.write(requestBytes));
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      size += chunk.length;
      const buffer = chunks.length === 1 ? chunk : Buffer.concat(chunks, size);
      chunks = [buffer];
      if (!complete(buffer)) return;
      requests++;
      served++;
      chunks = [];
      size = 0;
      if (Date.now() < deadline && requests < maxRequests && served < perConnection) socket.write(requestBytes);
      else socket.end();
    });
    socket.on('error', () => errors++);
    socket.on('close', () => resolve(undefined));
  });
}

const count = Number(connectionsArg);
await Promise.all(Array.from({ length: count }, runConnection));
process.stdout.write(`${JSON.stringify({ requests, errors })}\n`);
