/**
 * The server reads connections through the shared read buffer by default (`sharedReadBuffer`,
 * `startReading` of @gw/core) and through 'data' events when told not to: the same traffic must
 * give the same answers either way — requests split into single bytes, params and bodies kept by
 * handlers past later reads, several kept-alive connections at once, and a large upload read slowly
 * (reading stops and resumes).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeBeginRequest, encodeParams, encodeStream, encodeStreamEnd, RecordType, Role } from '../src/index.js';
import { createServer, type FastCgiServer } from '../src/server/index.js';
import { Peer } from './server-harness.js';

const T = RecordType;
const requestBytes = (id: number, uri: string, body: Buffer = Buffer.alloc(0)) =>
  Buffer.concat([
    encodeBeginRequest(id, Role.RESPONDER, true),
    encodeParams(id, [
      ['REQUEST_METHOD', body.length > 0 ? 'POST' : 'GET'],
      ['REQUEST_URI', uri],
      ['SERVER_PROTOCOL', 'HTTP/1.1'],
      ['CONTENT_LENGTH', body.length > 0 ? String(body.length) : ''],
      ['HTTP_X_LONG', 'v'.repeat(3000)],
    ]),
    ...(body.length > 0 ? [encodeStream(T.STDIN, id, body)] : []),
    encodeStreamEnd(T.STDIN, id),
  ]);

let server: FastCgiServer | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

async function start(sharedReadBuffer: boolean): Promise<{ port: number; paths: string[] }> {
  const paths: string[] = [];
  const s = createServer({ sharedReadBuffer }, (req, res) => {
    // Kept past later reads: the params' views must still hold this request's bytes at the end.
    const header = req.headers['x-long'];
    const hash = createHash('sha256');
    let bytes = 0;
    let paused = false;
    req.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
      // A slow reader: the connection must stop reading and resume without losing a byte.
      if (req.url === '/slow' && !paused && bytes > 200_000) {
        paused = true;
        req.pause();
        setTimeout(() => req.resume(), 30);
      }
    });
    req.on('end', () => res.end(`${req.url} ${bytes} ${hash.digest('hex').slice(0, 16)} ${header === 'v'.repeat(3000)}`));
  });
  s.on('connection', (socket: Socket) => paths.push(socket.listenerCount('data') === 0 ? 'shared-buffer' : 'data'));
  server = s;
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { port: (s.address() as { port: number }).port, paths };
}

const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex').slice(0, 16);
const bodyOf = (peer: Peer, id: number) => (peer.answers.get(id)?.stdout.toString() ?? '').split('\r\n\r\n')[1];

describe.each([
  [true, 'shared-buffer'],
  [false, 'data'],
])('FastCGI server reads with sharedReadBuffer %s', (shared, expectedPath) => {
  it(`reads through ${expectedPath}, one byte at a time as well as whole`, async () => {
    const { port, paths } = await start(shared);
    const peer = new Peer(port);
    const body = randomBytes(9000);
    const bytes = requestBytes(1, '/split', body);
    for (const byte of bytes.subarray(0, 600)) {
      peer.send(Buffer.from([byte]));
      await new Promise((r) => setImmediate(r));
    }
    peer.send(bytes.subarray(600));
    await peer.until(() => peer.ended(1));
    expect(bodyOf(peer, 1)).toBe(`/split 9000 ${digest(body)} true`);
    expect(paths).toEqual([expectedPath]);
    peer.answers.clear();
    peer.send(requestBytes(1, '/whole', body));
    await peer.until(() => peer.ended(1));
    expect(bodyOf(peer, 1)).toBe(`/whole 9000 ${digest(body)} true`);
    peer.socket.destroy();
  });

  it('serves several kept-alive connections interleaved', async () => {
    const { port } = await start(shared);
    const peers = [new Peer(port), new Peer(port), new Peer(port)];
    const bodies = peers.map((_, i) => randomBytes(100 + i * 2000));
    for (let round = 0; round < 3; round++) {
      peers.forEach((peer, i) => peer.send(requestBytes(1, `/p${i}r${round}`, bodies[i])));
      for (const [i, peer] of peers.entries()) {
        await peer.until(() => peer.ended(1));
        expect(bodyOf(peer, 1)).toBe(`/p${i}r${round} ${bodies[i]?.length} ${digest(bodies[i] as Buffer)} true`);
        peer.answers.clear();
      }
    }
    for (const peer of peers) peer.socket.destroy();
  });

  it('stops and resumes reading for a slow reader of a 3 MiB upload', async () => {
    const { port } = await start(shared);
    const peer = new Peer(port);
    const body = randomBytes(3 * 1024 * 1024);
    const begin = Buffer.concat([
      encodeBeginRequest(1, Role.RESPONDER, true),
      encodeParams(1, [
        ['REQUEST_METHOD', 'POST'],
        ['REQUEST_URI', '/slow'],
        ['CONTENT_LENGTH', String(body.length)],
      ]),
    ]);
    peer.send(begin);
    for (let at = 0; at < body.length; at += 65535) peer.send(encodeStream(T.STDIN, 1, body.subarray(at, at + 65535)));
    peer.send(encodeStreamEnd(T.STDIN, 1));
    await peer.until(() => peer.ended(1), 20_000);
    expect(bodyOf(peer, 1)).toBe(`/slow ${body.length} ${digest(body)} false`);
    peer.socket.destroy();
  });
});
