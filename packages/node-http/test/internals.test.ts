/**
 * Pins down every undocumented node:http behaviour src/internals.ts relies on, on plain node
 * objects (no adapter code in between), so a Node release that changes one fails here first.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { attachSocket, emitResponseDrain, setRawRequestHeaders, suppressFraming, toCgiHead, writableState } from '../src/internals.js';

/** A Writable that records what node writes, and when (synchronously or not). */
class RecordingSocket extends Writable {
  readonly writes: Buffer[][] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.writes.push([chunk]);
    callback();
  }
  override _writev(chunks: { chunk: Buffer }[], callback: () => void): void {
    this.writes.push(chunks.map((c) => c.chunk));
    callback();
  }
  get text(): string {
    return Buffer.concat(this.writes.flat()).toString('latin1');
  }
}

function response(method = 'GET', version = '1.1') {
  const req = new IncomingMessage(null as never);
  req.method = method;
  req.httpVersion = version;
  req.httpVersionMajor = Number(version[0]);
  req.httpVersionMinor = Number(version[2]);
  req.headers = {};
  const res = new ServerResponse(req);
  const socket = new RecordingSocket();
  suppressFraming(res);
  attachSocket(res, socket);
  return { res, socket };
}

describe('toCgiHead', () => {
  test('rewrites the status line in place and returns a view', () => {
    const head = Buffer.from('HTTP/1.1 404 Not Found\r\nX: y\r\n\r\nbody', 'latin1');
    const cgi = toCgiHead(head);
    expect(cgi?.toString('latin1')).toBe('Status: 404 Not Found\r\nX: y\r\n\r\nbody');
    expect(cgi?.buffer).toBe(head.buffer);
  });

  test('returns null for anything that is not node’s head', () => {
    expect(toCgiHead(Buffer.from('HTTP/1.0 200 OK\r\n'))).toBeNull();
    expect(toCgiHead(Buffer.from('HTTP/1.1'))).toBeNull();
    expect(toCgiHead(Buffer.from('hello'))).toBeNull();
  });
});

describe('node:http behaviour we build on', () => {
  test('2: the head comes first and starts with "HTTP/1.1 " (also for HTTP/1.0 and HEAD)', () => {
    for (const [method, version] of [['GET', '1.1'], ['GET', '1.0'], ['HEAD', '1.1']]) {
      const { res, socket } = response(method, version);
      res.end('x');
      expect(socket.text.startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
    }
  });

  test('3: after suppressFraming, no Connection, Keep-Alive, Transfer-Encoding or Date; an unknown length is written raw', () => {
    const { res, socket } = response();
    res.write('a');
    res.end('b');
    expect(socket.text).toBe('HTTP/1.1 200 OK\r\n\r\nab');
  });

  test('3: a known length still gets node’s Content-Length, whatever the request’s version', () => {
    for (const version of ['1.1', '1.0', '2.0']) {
      const { res, socket } = response('GET', version);
      res.end('abc');
      expect(socket.text).toBe('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc');
    }
  });

  test('without suppressFraming node would add them (the probe can fail)', () => {
    const req = new IncomingMessage(null as never);
    req.method = 'GET';
    req.httpVersionMajor = 1;
    req.httpVersionMinor = 1;
    req.headers = {};
    const res = new ServerResponse(req);
    const socket = new RecordingSocket();
    attachSocket(res, socket);
    res.write('a');
    res.end();
    expect(socket.text).toMatch(/Transfer-Encoding: chunked\r\n/);
    expect(socket.text).toMatch(/Date: /);
  });

  test('end(body) hands everything to the socket before end() returns, in one corked batch', () => {
    const { res, socket } = response();
    res.setHeader('X-A', '1');
    res.end(Buffer.from('body'));
    expect(socket.writes).toHaveLength(1);
    expect(socket.text).toBe('HTTP/1.1 200 OK\r\nX-A: 1\r\nContent-Length: 4\r\n\r\nbody');
  });

  test('end() after the body was flushed writes nothing more to the socket', async () => {
    const { res, socket } = response();
    res.write('a');
    await new Promise((resolve) => setImmediate(resolve));
    const before = socket.writes.length;
    res.end();
    await new Promise((resolve) => setImmediate(resolve));
    expect(socket.writes.length).toBe(before);
  });

  test('1: the socket’s close makes the response close and report destroyed', async () => {
    const { res, socket } = response();
    let closed = false;
    res.on('close', () => {
      closed = true;
    });
    socket.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(true);
    expect(res.destroyed).toBe(true);
    expect(res.socket).toBe(socket);
  });
});

describe('request headers (4)', () => {
  test('_addHeaderLines feeds node’s own lazy headers and headersDistinct getters', () => {
    const req = new IncomingMessage(null as never);
    setRawRequestHeaders(req, ['Host', 'h', 'X-A', '1', 'Set-Cookie', 'c=1', 'Content-Type', 't']);
    expect(req.rawHeaders).toEqual(['Host', 'h', 'X-A', '1', 'Set-Cookie', 'c=1', 'Content-Type', 't']);
    expect(req.headers).toEqual({ host: 'h', 'x-a': '1', 'set-cookie': ['c=1'], 'content-type': 't' });
    expect(Object.getPrototypeOf(req.headers)).toBe(Object.prototype);
    expect(req.headersDistinct).toEqual({ host: ['h'], 'x-a': ['1'], 'set-cookie': ['c=1'], 'content-type': ['t'] });
  });

  test('the getters live on IncomingMessage.prototype: a request whose prototype was swapped (Express) still has them', () => {
    const req = new IncomingMessage(null as never);
    setRawRequestHeaders(req, ['Accept', '*/*']);
    Object.setPrototypeOf(req, Object.create(IncomingMessage.prototype));
    expect(req.headers).toEqual({ accept: '*/*' });
  });
});

describe('response drain (5)', () => {
  test('after a refused write, emitResponseDrain emits drain once and clears writableNeedDrain', () => {
    const req = new IncomingMessage(null as never);
    req.method = 'GET';
    req.httpVersionMajor = 1;
    req.httpVersionMinor = 1;
    req.headers = {};
    const res = new ServerResponse(req);
    const socket = new Writable({ highWaterMark: 1, write: (_c, _e, cb) => setImmediate(cb) });
    attachSocket(res, socket);
    let drains = 0;
    res.on('drain', () => drains++);
    emitResponseDrain(res);
    expect(drains).toBe(0);
    expect(res.write('more than one byte')).toBe(false);
    expect(res.writableNeedDrain).toBe(true);
    emitResponseDrain(res);
    expect([drains, res.writableNeedDrain]).toEqual([1, false]);
    emitResponseDrain(res);
    expect(drains).toBe(1);
  });
});

describe('cork count (6)', () => {
  test('end() sets _writableState.corked to 1 and uncorks once: a socket counting in that field sees one flush', () => {
    const { res, socket } = response();
    const corks: number[] = [];
    const flushes: number[] = [];
    // What GatewaySocket does: its own write path, its count in the Writable's field.
    socket.cork = () => {
      writableState(socket).corked++;
    };
    socket.uncork = () => {
      const state = writableState(socket);
      corks.push(state.corked);
      if (state.corked > 0 && --state.corked === 0) flushes.push(socket.writableLength);
    };
    res.cork();
    res.cork(); // two levels, as an app (or compression middleware) may leave behind
    res.write('a');
    res.end('b');
    // end() forced the count to 1 before its last uncork(), so that one flushed despite two corks.
    expect(corks.at(-1)).toBe(1);
    expect(flushes).toHaveLength(1);
    expect(writableState(socket).corked).toBe(0);
  });
});
