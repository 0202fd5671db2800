/**
 * Pins every node behaviour socket-reads.ts relies on (the `onread` fields set on an accepted
 * socket, `useUserBuffer`, pause/resume, 'end', destroy, timeouts, the server's connection count)
 * on real loopback sockets, and the fallback to 'data' events.
 */
import { randomBytes } from 'node:crypto';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ReadSlab } from '../src/read-slab.js';
import { type ReadPath, startReading } from '../src/socket-reads.js';

interface Accepted {
  socket: Socket;
  path: ReadPath;
  chunks: Buffer[];
}

const servers: Server[] = [];
const clients: Socket[] = [];
const acceptedSockets: Socket[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  // allowHalfOpen: a server socket outlives its client's close until destroyed here.
  for (const s of acceptedSockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A server that starts reading each connection with startReading and records what arrives. */
async function listen(
  options: { pauseOnConnect?: boolean; sharedBuffer?: boolean; onChunk?: (a: Accepted, chunk: Buffer) => void } = {},
): Promise<{ server: Server; port: number; accepted: Promise<Accepted>[] }> {
  const waiting: ((a: Accepted) => void)[] = [];
  const accepted: Promise<Accepted>[] = [];
  for (let i = 0; i < 8; i++) accepted.push(new Promise((resolve) => waiting.push(resolve)));
  const server = createServer({ pauseOnConnect: options.pauseOnConnect ?? true, allowHalfOpen: true }, (socket) => {
    acceptedSockets.push(socket);
    socket.on('error', () => {});
    const a: Accepted = { socket, path: 'data', chunks: [] };
    a.path = startReading(socket, (chunk) => (options.onChunk ? options.onChunk(a, chunk) : a.chunks.push(chunk)), options.sharedBuffer ?? true);
    waiting.shift()?.(a);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, accepted };
}

async function client(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  clients.push(socket);
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('connect', resolve));
  return socket;
}

const until = async (test: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};
const total = (chunks: Buffer[]) => chunks.reduce((n, c) => n + c.length, 0);

describe('startReading through the shared read buffer', () => {
  it('delivers every byte in order, and earlier chunks stay intact after later reads', async () => {
    const { port, accepted } = await listen();
    const c = await client(port);
    const a = await accepted[0];
    expect(a?.path).toBe('shared-buffer');
    // Small writes (slab copies), a few over 4 KiB (own buffers) and one over 64 KiB (several reads).
    const parts = [5, 100, 3000, 5000, 70_000, 1, 12_000, 200].map((n) => randomBytes(n));
    for (const part of parts) {
      c.write(part);
      await until(() => total(a?.chunks ?? []) >= total(parts.slice(0, parts.indexOf(part) + 1)));
    }
    expect(Buffer.concat(a?.chunks ?? []).equals(Buffer.concat(parts))).toBe(true);
  });

  it('keeps two connections apart while they share the buffer', async () => {
    const { port, accepted } = await listen();
    const [c1, c2] = [await client(port), await client(port)];
    const [a1, a2] = [await accepted[0], await accepted[1]];
    const sent1: Buffer[] = [];
    const sent2: Buffer[] = [];
    for (let i = 0; i < 50; i++) {
      const b1 = randomBytes(1 + ((i * 37) % 900));
      const b2 = Buffer.alloc(1 + ((i * 53) % 1200), i);
      sent1.push(b1);
      sent2.push(b2);
      c1.write(b1);
      c2.write(b2);
    }
    await until(() => total(a1?.chunks ?? []) === total(sent1) && total(a2?.chunks ?? []) === total(sent2));
    expect(Buffer.concat(a1?.chunks ?? []).equals(Buffer.concat(sent1))).toBe(true);
    expect(Buffer.concat(a2?.chunks ?? []).equals(Buffer.concat(sent2))).toBe(true);
  });

  it('stops reading on pause() (called from the callback) and goes on after resume(), losing nothing', async () => {
    let paused = false;
    const { port, accepted } = await listen({
      onChunk: (a, chunk) => {
        a.chunks.push(chunk);
        if (!paused) {
          paused = true;
          a.socket.pause();
        }
      },
    });
    const c = await client(port);
    const a = (await accepted[0]) as Accepted;
    const payload = randomBytes(4 * 1024 * 1024);
    c.write(payload);
    await until(() => a.chunks.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Reading stopped: one chunk only, and the client could not write everything (the kernel
    // buffers filled up).
    expect(a.chunks.length).toBe(1);
    expect(c.writableLength).toBeGreaterThan(0);
    a.socket.resume();
    await until(() => total(a.chunks) === payload.length);
    expect(Buffer.concat(a.chunks).equals(payload)).toBe(true);
  });

  it("still emits 'data' to listeners attached by other code, before the chunk reaches onChunk", async () => {
    const order: string[] = [];
    const server = createServer({ pauseOnConnect: true }, (socket) => {
      acceptedSockets.push(socket);
      socket.on('data', (chunk: Buffer) => order.push(`data ${chunk}`));
      expect(startReading(socket, (chunk) => order.push(`chunk ${chunk}`))).toBe('shared-buffer');
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const c = await client((server.address() as AddressInfo).port);
    c.write('one');
    await until(() => order.length === 2);
    c.write('two');
    await until(() => order.length === 4);
    expect(order).toEqual(['data one', 'chunk one', 'data two', 'chunk two']);
  });

  it("emits 'end' on the peer's FIN and can still write (half-open)", async () => {
    const { port, accepted } = await listen();
    const c = await client(port);
    const a = (await accepted[0]) as Accepted;
    const ended = new Promise((resolve) => a.socket.once('end', resolve));
    c.end('last words');
    await ended;
    expect(Buffer.concat(a.chunks).toString()).toBe('last words');
    const reply = new Promise<string>((resolve) => {
      let text = '';
      c.on('data', (d: Buffer) => (text += d.toString()));
      c.once('end', () => resolve(text));
    });
    a.socket.end('reply after FIN');
    expect(await reply).toBe('reply after FIN');
  });

  it("destroy() from the callback: no more reads, 'close', and the server's connection count drops", async () => {
    const { server, port, accepted } = await listen({
      onChunk: (a, chunk) => {
        a.chunks.push(chunk);
        a.socket.destroy();
      },
    });
    const c = await client(port);
    const a = (await accepted[0]) as Accepted;
    const closed = new Promise((resolve) => a.socket.once('close', resolve));
    c.write('first');
    await closed;
    c.write('second'); // may fail with EPIPE/ECONNRESET on the client: ignored
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(a.chunks.map(String)).toEqual(['first']);
    const count = await new Promise<number>((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
    expect(count).toBe(0);
    // server.close() completes: nothing counts the socket as open any more.
    servers.splice(servers.indexOf(server), 1);
    await new Promise((resolve) => server.close(resolve));
  });

  it('reads refresh the socket timeout as data events do', async () => {
    const { port, accepted } = await listen();
    const c = await client(port);
    const a = (await accepted[0]) as Accepted;
    let timedOut = false;
    a.socket.setTimeout(150, () => (timedOut = true));
    for (let i = 0; i < 6; i++) {
      c.write('x');
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
    expect(timedOut).toBe(false);
    await until(() => timedOut, 2000);
    expect(total(a.chunks)).toBe(6);
  });
});

describe('startReading: the listener', () => {
  it.each([
    [true, 'shared-buffer'],
    [false, 'data'],
  ])('is called with its socket as `this` (sharedBuffer %s: %s), so one function can serve every connection', async (sharedBuffer, path) => {
    const seen: { self: unknown; text: string }[] = [];
    // One module-level-style function for every connection: no closure per socket.
    function onChunk(this: Socket, chunk: Buffer): void {
      seen.push({ self: this, text: chunk.toString() });
    }
    const accepted: Socket[] = [];
    const server = createServer({ pauseOnConnect: true }, (socket) => {
      acceptedSockets.push(socket);
      accepted.push(socket);
      expect(startReading(socket, onChunk, sharedBuffer)).toBe(path);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const first = await client(port);
    const second = await client(port);
    first.write('first');
    await until(() => seen.length === 1);
    second.write('second');
    await until(() => seen.length === 2);
    expect(seen.map((s) => s.text)).toEqual(['first', 'second']);
    expect(seen[0]?.self).toBe(accepted[0]);
    expect(seen[1]?.self).toBe(accepted[1]);
  });
});

describe("startReading through 'data' events", () => {
  it('is used for a socket that is already reading (server without pauseOnConnect)', async () => {
    const { port, accepted } = await listen({ pauseOnConnect: false });
    const c = await client(port);
    const a = (await accepted[0]) as Accepted;
    expect(a.path).toBe('data');
    c.write('through data events');
    await until(() => total(a.chunks) === 19);
    expect(Buffer.concat(a.chunks).toString()).toBe('through data events');
  });

  it('is used when the shared buffer is turned off, with pause/resume still working', async () => {
    let paused = false;
    const { port, accepted } = await listen({
      sharedBuffer: false,
      onChunk: (a, chunk) => {
        a.chunks.push(chunk);
        if (!paused) {
          paused = true;
          a.socket.pause();
          setTimeout(() => a.socket.resume(), 50);
        }
      },
    });
    const c = await client(port);
    const a = (await accepted[0]) as Accepted;
    expect(a.path).toBe('data');
    const payload = randomBytes(300_000);
    c.write(payload);
    await until(() => total(a.chunks) === payload.length);
    expect(Buffer.concat(a.chunks).equals(payload)).toBe(true);
  });
});

describe('ReadSlab', () => {
  it('returns copies that later reads never overwrite, packed into one slab', () => {
    const slab = new ReadSlab();
    const source = Buffer.alloc(64);
    const out: Buffer[] = [];
    for (let i = 0; i < 10; i++) {
      source.fill(i);
      out.push(slab.copy(source, 10 + i));
    }
    out.forEach((b, i) => {
      expect(b.length).toBe(10 + i);
      expect(b.every((x) => x === i)).toBe(true);
    });
    expect(new Set(out.map((b) => b.buffer)).size).toBe(1);
  });

  it('starts a new slab when a read does not fit, and gives large reads a buffer of their own', () => {
    const slab = new ReadSlab();
    const small = ReadSlab.OWN_BUFFER_ABOVE;
    const source = Buffer.alloc(ReadSlab.SLAB_BYTES, 7);
    const a = slab.copy(source, small);
    const b = slab.copy(source, small);
    const c = slab.copy(source, small);
    const d = slab.copy(source, small); // 4 × 4 KiB fill the 16 KiB slab exactly
    const e = slab.copy(source, 1);
    expect(new Set([a, b, c, d].map((x) => x.buffer)).size).toBe(1);
    expect(e.buffer).not.toBe(a.buffer);
    const big = slab.copy(source, small + 1);
    expect(big.byteOffset).toBe(0);
    expect(big.buffer.byteLength).toBe(small + 1);
    expect(big.every((x) => x === 7)).toBe(true);
    source.fill(0);
    expect(a.every((x) => x === 7) && e[0] === 7).toBe(true);
  });
});
