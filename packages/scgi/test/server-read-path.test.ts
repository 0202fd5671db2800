/**
 * SCGI (and through the shared base, uwsgi) connections are read through the shared read buffer
 * by default and through 'data' events with `sharedReadBuffer: false`: the same request, split
 * into single bytes or sent whole, a large body read slowly, gets the same answer either way.
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, encodeScgiRequest, type ScgiServer } from '../src/index.js';

let server: ScgiServer | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex').slice(0, 16);

async function start(sharedReadBuffer: boolean): Promise<{ port: number; paths: string[] }> {
  const paths: string[] = [];
  const s = createServer({ sharedReadBuffer }, (req, res) => {
    const hash = createHash('sha256');
    let bytes = 0;
    let paused = false;
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
      if (!paused && bytes > 100_000) {
        paused = true;
        req.pause();
        setTimeout(() => req.resume(), 30);
      }
    });
    req.on('end', () => res.end(`${req.url} ${bytes} ${hash.digest('hex').slice(0, 16)}`));
  });
  s.on('connection', (socket: Socket) => paths.push(socket.listenerCount('data') === 0 ? 'shared-buffer' : 'data'));
  server = s;
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { port: (s.address() as { port: number }).port, paths };
}

async function roundTrip(port: number, bytes: Buffer, splitFirst: number): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  const parts: Buffer[] = [];
  socket.on('data', (c) => parts.push(c));
  const closed = new Promise((r) => socket.on('close', r));
  await new Promise((r) => socket.once('connect', r));
  for (const byte of bytes.subarray(0, splitFirst)) {
    socket.write(Buffer.from([byte]));
    await new Promise((r) => setImmediate(r));
  }
  socket.write(bytes.subarray(splitFirst));
  await closed;
  const reply = Buffer.concat(parts).toString('latin1');
  return reply.slice(reply.indexOf('\r\n\r\n') + 4);
}

describe.each([
  [true, 'shared-buffer'],
  [false, 'data'],
])('SCGI server reads with sharedReadBuffer %s', (shared, expectedPath) => {
  it(`reads through ${expectedPath}: a request split into bytes, then a 2 MiB body read slowly`, async () => {
    const { port, paths } = await start(shared);
    const small = randomBytes(3000);
    const request = (uri: string, body: Buffer) => Buffer.concat([encodeScgiRequest([['SCGI', '1'], ['REQUEST_METHOD', 'POST'], ['REQUEST_URI', uri]], body.length), body]);
    expect(await roundTrip(port, request('/split', small), 200)).toBe(`/split 3000 ${digest(small)}`);
    const large = randomBytes(2 * 1024 * 1024);
    expect(await roundTrip(port, request('/large', large), 0)).toBe(`/large ${large.length} ${digest(large)}`);
    expect(paths).toEqual([expectedPath, expectedPath]);
  });
});
