/**
 * Opens N connections to a unix socket, sends one GET on each — FastCGI with KEEP_CONN, or
 * HTTP/1.1 keep-alive for the node:http reference — waits for the whole answer (checking the
 * hello-world body), then leaves the connection idle and open.
 *
 * Usage: node idle-connections-client.mjs <socket> <count> <fastcgi|http> [concurrency=200]
 * Prints one JSON line `{"open":N,"failed":F,"ms":T}` once every connection has been answered,
 * then holds them until SIGTERM/SIGINT, when it prints `{"closedWhileIdle":K}` and exits.
 */
import { connect } from 'node:net';
import { nginxLikeParams, readResponses, record, requestStart, STDIN } from './fcgi-wire.mjs';

const [path, countArg, protocol, concurrencyArg] = process.argv.slice(2);
const count = Number(countArg);
const concurrency = Number(concurrencyArg ?? 200);
if (!path || !(count > 0) || (protocol !== 'fastcgi' && protocol !== 'http')) {
  throw new Error('usage: idle-connections-client.mjs <socket> <count> <fastcgi|http> [concurrency]');
}

const HELLO = 'Hello, World!\n';
const request =
  protocol === 'fastcgi'
    ? Buffer.concat([requestStart(1, nginxLikeParams('GET', '/hello'), true), record(STDIN, 1)])
    : Buffer.from('GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n');

/** Calls onAnswer(ok) once the whole response to `request` arrived. */
function awaitAnswer(socket, onAnswer) {
  if (protocol === 'fastcgi') {
    readResponses(socket, (stdout, appStatus) => onAnswer(appStatus === 0 && stdout.toString('latin1').endsWith(`\r\n\r\n${HELLO}`)));
    return;
  }
  // node:http answers with Content-Length; the body is the last thing on the wire.
  let text = '';
  const onData = (chunk) => {
    text += chunk.toString('latin1');
    if (!text.endsWith(`\r\n\r\n${HELLO}`)) return;
    socket.off('data', onData);
    onAnswer(text.startsWith('HTTP/1.1 200'));
  };
  socket.on('data', onData);
}
const sockets = [];
let open = 0;
let failed = 0;
let closedWhileIdle = 0;
let started = 0;
let holding = false;
const t0 = performance.now();

function openOne() {
  return new Promise((resolve) => {
    const socket = connect(path);
    let answered = false;
    socket.on('error', () => {});
    socket.on('close', () => {
      if (!answered) {
        failed++;
        resolve();
      } else if (holding) closedWhileIdle++;
    });
    socket.on('connect', () => socket.write(request));
    awaitAnswer(socket, (ok) => {
      answered = true;
      if (ok) open++;
      else failed++;
      sockets.push(socket);
      resolve();
    });
  });
}

async function worker() {
  while (started < count) {
    started++;
    await openOne();
  }
}

await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
holding = true;
process.stdout.write(`${JSON.stringify({ open, failed, ms: Math.round(performance.now() - t0) })}\n`);
const stop = () => {
  process.stdout.write(`${JSON.stringify({ closedWhileIdle })}\n`);
  for (const s of sockets) s.destroy();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
setInterval(() => {}, 1 << 30); // hold the connections until told to stop
