/**
 * Sends one large POST straight to a FastCGI app over a unix socket: BEGIN_REQUEST, PARAMS, then
 * STDIN records of 65528 bytes as fast as the socket accepts them (waiting only for 'drain'),
 * then reads the answer, which must be the byte count.
 *
 * Usage: node upload-client.mjs <socket> <MiB>
 * Prints one JSON line: {"bytes":B,"ms":T,"answer":"…","appStatus":S}.
 */
import { connect } from 'node:net';
import { once } from 'node:events';
import { MAX_ALIGNED, nginxLikeParams, readResponses, record, requestStart, STDIN } from './fcgi-wire.mjs';

const [path, mibArg] = process.argv.slice(2);
const bytes = Number(mibArg) * 1024 * 1024;
if (!path || !(bytes > 0)) throw new Error('usage: upload-client.mjs <socket> <MiB>');

// One full STDIN record, reused for every write (its bytes never change, so sharing is safe).
const full = record(STDIN, 1, Buffer.alloc(MAX_ALIGNED, 0x61));
const t0 = performance.now();
const socket = connect(path);
const answer = new Promise((resolve) => readResponses(socket, (stdout, appStatus) => resolve({ stdout, appStatus })));
socket.on('error', (err) => {
  process.stderr.write(`upload client: ${err.message}\n`);
  process.exit(1);
});
// The app must read the whole body and answer; a close before that is a failure, not a hang.
let answered = false;
answer.then(() => (answered = true));
socket.on('close', () => {
  if (answered) return;
  process.stderr.write('upload client: connection closed before END_REQUEST\n');
  process.exit(1);
});
await once(socket, 'connect');
socket.write(requestStart(1, nginxLikeParams('POST', '/upload', String(bytes)), false));
let left = bytes;
while (left > 0) {
  const ok = left >= MAX_ALIGNED ? socket.write(full) : socket.write(record(STDIN, 1, Buffer.alloc(left, 0x61)));
  left -= Math.min(left, MAX_ALIGNED);
  if (!ok) await once(socket, 'drain');
}
socket.write(record(STDIN, 1));
const { stdout, appStatus } = await answer;
const text = stdout.toString('latin1');
const body = text.slice(text.indexOf('\r\n\r\n') + 4);
process.stdout.write(`${JSON.stringify({ bytes, ms: Math.round(performance.now() - t0), answer: body, appStatus })}\n`);
socket.destroy();
