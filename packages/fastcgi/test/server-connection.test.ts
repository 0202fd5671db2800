import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ParamList } from '@gw/core';
import { fcgiPair, fcgiRecord } from '@gw/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeBeginRequest, encodeGetValues, encodeParams, encodeStream, encodeStreamEnd, ProtocolStatus, RecordType, Role } from '../src/index.js';
import { RecordDecoder } from '../src/record-decoder.js';
import { createServer, type FastCgiServer } from '../src/server/index.js';
import { Peer, reply, startServer } from './server-harness.js';

const T = RecordType;
const request = (id: number, keepConn: boolean, params: [string, string][] = [['REQUEST_METHOD', 'GET']], body = '') => [
  encodeBeginRequest(id, Role.RESPONDER, keepConn),
  encodeParams(id, params),
  ...(body ? [encodeStream(T.STDIN, id, Buffer.from(body))] : []),
  encodeStreamEnd(T.STDIN, id),
];

let server: FastCgiServer | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

describe('FastCGI server connection', () => {
  it('answers a request and closes the connection when KEEP_CONN is off', async () => {
    const s = await startServer((req, params) => {
      reply(req, `hello ${params.get('REQUEST_METHOD')}`);
      return undefined;
    });
    server = s.server;
    const peer = new Peer(s.port);
    peer.send(...request(1, false));
    await peer.closed;
    const a = peer.answers.get(1);
    expect(a?.stdout.toString()).toBe('Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nhello GET');
    expect(a?.end).toEqual({ appStatus: 0, protocolStatus: ProtocolStatus.REQUEST_COMPLETE });
  });

  it('keeps the connection for the next request when KEEP_CONN is on', async () => {
    const s = await startServer((req) => {
      reply(req, `id ${req.requestId}`);
      return undefined;
    });
    server = s.server;
    const peer = new Peer(s.port);
    peer.send(...request(1, true));
    await peer.until(() => peer.ended(1));
    peer.answers.clear();
    peer.send(...request(1, true));
    await peer.until(() => peer.ended(1));
    expect(peer.answers.get(1)?.stdout.toString()).toMatch(/id 1$/);
    expect(peer.socket.destroyed).toBe(false);
    peer.socket.destroy();
  });

  it('serves interleaved multiplexed requests, answering out of order', async () => {
    const pending: (() => void)[] = [];
    const s = await startServer((req) => {
      const answer = () => reply(req, `body of ${req.requestId}`);
      if (req.requestId === 1) {
        pending.push(answer);
        return undefined;
      }
      // Request 2 answers first, once its body is in; request 1 answers after it.
      return { endBody: () => { answer(); setTimeout(() => pending.shift()?.(), 10); } };
    });
    server = s.server;
    const peer = new Peer(s.port);
    const one = request(1, true, [['A', '1']], 'x');
    const two = request(2, true, [['A', '2']], 'y');
    peer.send(one[0] as Buffer, two[0] as Buffer, one[1] as Buffer, two[1] as Buffer, two[2] as Buffer, one[2] as Buffer, two[3] as Buffer, one[3] as Buffer);
    await peer.until(() => peer.ended(1) && peer.ended(2));
    expect(peer.answers.get(1)?.stdout.toString()).toMatch(/body of 1$/);
    expect(peer.answers.get(2)?.stdout.toString()).toMatch(/body of 2$/);
    peer.socket.destroy();
  });

  it('refuses a second request with CANT_MPX_CONN when multiplexing is off', async () => {
    let first: (() => void) | undefined;
    const s = await startServer(
      (req) => {
        first = () => reply(req, 'first');
        return undefined;
      },
      { multiplex: false },
    );
    server = s.server;
    const peer = new Peer(s.port);
    peer.send(...request(1, true));
    await new Promise((r) => setTimeout(r, 50));
    peer.send(...request(2, true));
    await peer.until(() => peer.ended(2));
    expect(peer.answers.get(2)?.end?.protocolStatus).toBe(ProtocolStatus.CANT_MPX_CONN);
    first?.();
    await peer.until(() => peer.ended(1));
    expect(peer.answers.get(1)?.end?.protocolStatus).toBe(ProtocolStatus.REQUEST_COMPLETE);
    peer.socket.destroy();
  });

  it('answers GET_VALUES mid-request and UNKNOWN_TYPE for an unknown management type', async () => {
    let finish: (() => void) | undefined;
    const s = await startServer((req) => {
      finish = () => reply(req, 'ok');
      return undefined;
    }, { multiplex: false, maxConnections: 7 });
    server = s.server;
    const peer = new Peer(s.port);
    const [begin, params] = request(1, true);
    peer.send(begin as Buffer, params as Buffer, encodeStream(T.STDIN, 1, Buffer.from('abc')));
    peer.send(encodeGetValues(['FCGI_MAX_CONNS', 'FCGI_MPXS_CONNS', 'NOT_A_NAME', 'FCGI_MAX_REQS']), fcgiRecord(42, 0, 'zz'));
    await peer.until(() => peer.management.length === 2);
    expect(peer.management).toEqual([
      { type: 'GET_VALUES_RESULT', pairs: [['FCGI_MAX_CONNS', '7'], ['FCGI_MPXS_CONNS', '0'], ['FCGI_MAX_REQS', '7']] },
      { type: 'UNKNOWN_TYPE', unknownType: 42 },
    ]);
    peer.send(encodeStreamEnd(T.STDIN, 1));
    finish?.();
    await peer.until(() => peer.ended(1));
    peer.socket.destroy();
  });

  it('answers roles it does not serve with UNKNOWN_ROLE and stays usable', async () => {
    const s = await startServer((req) => { reply(req, 'r'); return undefined; }, { roles: ['responder'] });
    server = s.server;
    const peer = new Peer(s.port);
    peer.send(encodeBeginRequest(1, Role.FILTER, true));
    await peer.until(() => peer.ended(1));
    expect(peer.answers.get(1)?.end?.protocolStatus).toBe(ProtocolStatus.UNKNOWN_ROLE);
    peer.send(...request(2, false));
    await peer.until(() => peer.ended(2));
    expect(peer.answers.get(2)?.end?.protocolStatus).toBe(ProtocolStatus.REQUEST_COMPLETE);
  });

  it('aborts a request on ABORT_REQUEST and answers END_REQUEST once', async () => {
    let aborted = 0;
    let req1: import('../src/server/index.js').FastCgiRequest | undefined;
    const s = await startServer((req) => {
      req1 = req;
      return { abort: () => { aborted++; } };
    });
    server = s.server;
    const peer = new Peer(s.port);
    const [begin, params] = request(1, true);
    peer.send(begin as Buffer, params as Buffer, fcgiRecord(T.ABORT_REQUEST, 1));
    await peer.until(() => peer.ended(1));
    reply(req1!, 'too late'); // writes after the abort are dropped
    peer.send(fcgiRecord(T.ABORT_REQUEST, 1), fcgiRecord(T.STDIN, 1, 'late'));
    await new Promise((r) => setTimeout(r, 50));
    expect(aborted).toBe(1);
    expect(peer.answers.get(1)?.stdout.length).toBe(0);
    expect(peer.answers.get(1)?.end).toEqual({ appStatus: 0, protocolStatus: 0 });
    peer.socket.destroy();
  });

  it('closes the connection on malformed input and reports a typed clientError', async () => {
    const s = await startServer(() => undefined);
    server = s.server;
    const errors: string[] = [];
    server.on('clientError', (err) => errors.push(err.code));
    const peer = new Peer(s.port);
    peer.send(fcgiRecord(T.STDIN, 1, '', 0, 3));
    await peer.closed;
    expect(errors).toEqual(['FCGI_ERR_UNSUPPORTED_VERSION']);
  });

  it('aborts every request when the web server closes the connection', async () => {
    let aborted = 0;
    const s = await startServer(() => ({ abort: () => { aborted++; } }));
    server = s.server;
    const peer = new Peer(s.port);
    peer.send(encodeBeginRequest(1, 1, true), encodeParams(1, [['A', 'b']]), encodeBeginRequest(2, 1, true), encodeParams(2, [['A', 'b']]));
    await new Promise((r) => setTimeout(r, 50));
    peer.socket.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(aborted).toBe(2);
  });

  it('starts an Authorizer at the end of PARAMS without any STDIN (Apache mod_authnz_fcgi)', async () => {
    const s = await startServer((req) => ({ endBody: () => reply(req, '', '200 OK') }));
    server = s.server;
    const peer = new Peer(s.port);
    peer.send(encodeBeginRequest(1, Role.AUTHORIZER, false), encodeParams(1, [['FCGI_ROLE', 'AUTHORIZER']]));
    await peer.closed;
    expect(peer.answers.get(1)?.end?.protocolStatus).toBe(0);
  });

  it('fails a request whose declared body exceeds maxBodyBytes without running it', async () => {
    let ran = false;
    const s = await startServer(() => { ran = true; return undefined; }, { maxBodyBytes: 10 });
    server = s.server;
    const codes: string[] = [];
    server.on('requestError', (err) => codes.push(err.code));
    const peer = new Peer(s.port);
    peer.send(...request(1, false, [['CONTENT_LENGTH', '11']], 'x'.repeat(11)));
    await peer.closed;
    expect(ran).toBe(false);
    expect(codes).toEqual(['FCGI_ERR_BODY_TOO_LARGE']);
    expect(peer.answers.get(1)?.stdout.toString()).toMatch(/^Status: 413 /);
    expect(peer.answers.get(1)?.end?.protocolStatus).toBe(0);
  });

  it('ignores records for ids that were never begun', async () => {
    const s = await startServer((req) => { reply(req, 'fine'); return undefined; });
    server = s.server;
    const peer = new Peer(s.port);
    peer.send(fcgiRecord(T.STDIN, 7, 'stray'), fcgiRecord(T.PARAMS, 9, fcgiPair('A', 'B')), fcgiRecord(T.PARAMS, 9), ...request(1, false));
    await peer.closed;
    expect(peer.answers.get(1)?.stdout.toString()).toMatch(/fine$/);
  });
});

describe('FastCGI server: roles and body rules', () => {
  it('gives a Filter its DATA stream after STDIN, and FCGI_ROLE', async () => {
    const s = await startServer((req, params) => {
      const chunks: Buffer[] = [];
      req.data?.on('data', (c: Buffer) => chunks.push(c));
      req.data?.on('end', () => reply(req, `${params.get('FCGI_ROLE')} ${Buffer.concat(chunks).toString()}`));
      return undefined;
    });
    server = s.server;
    const peer = new Peer(s.port);
    peer.send(
      encodeBeginRequest(1, Role.FILTER, false),
      encodeParams(1, [['FCGI_DATA_LENGTH', '9']]),
      encodeStream(T.STDIN, 1, Buffer.from('in')),
      encodeStreamEnd(T.STDIN, 1),
      encodeStream(T.DATA, 1, Buffer.from('file ')),
      encodeStream(T.DATA, 1, Buffer.from('data')),
      encodeStreamEnd(T.DATA, 1),
    );
    await peer.closed;
    expect(peer.answers.get(1)?.stdout.toString()).toMatch(/FILTER file data$/);
  });

  it('exposes at most CONTENT_LENGTH body bytes and flags a short body', async () => {
    const seen: { bytes: number; incomplete: boolean }[] = [];
    const s = await startServer((req) => {
      let bytes = 0;
      return {
        pushBody: (c: Buffer) => {
          bytes += c.length;
          return true;
        },
        endBody: () => {
          seen.push({ bytes, incomplete: req.incompleteBody });
          reply(req, 'ok');
        },
      };
    });
    server = s.server;
    const long = new Peer(s.port);
    long.send(...request(1, false, [['CONTENT_LENGTH', '4']], 'abcdefgh'));
    await long.closed;
    const short = new Peer(s.port);
    short.send(...request(1, false, [['CONTENT_LENGTH', '10']], 'abc'));
    await short.closed;
    expect(seen).toEqual([
      { bytes: 4, incomplete: false },
      { bytes: 3, incomplete: true },
    ]);
  });
});

describe('FastCGI server: the web server closing a kept-alive connection', () => {
  it('closes its side at once after the peer FIN, with no close timeout left running', async () => {
    const s = await startServer((req) => {
      reply(req, 'kept');
      return undefined;
    }, { closeTimeout: 60_000 });
    server = s.server;
    const peer = new Peer(s.port);
    peer.send(...request(1, true));
    await peer.until(() => peer.ended(1));
    const connections = () => new Promise<number>((resolve, reject) => s.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
    expect(await connections()).toBe(1);
    const started = Date.now();
    peer.socket.end(); // how nginx drops an idle upstream connection
    await peer.closed;
    await new Promise((resolve) => setImmediate(resolve));
    expect(await connections()).toBe(0);
    // Well under closeTimeout: the close did not wait for the timer.
    expect(Date.now() - started).toBeLessThan(5000);
    // Nothing keeps the event loop busy for this connection: close() completes promptly.
    await new Promise((resolve) => s.server.close(resolve));
    server = undefined;
  });
});

describe('FastCGI server: timeouts', () => {
  it('closes a connection whose PARAMS stall (slowloris) with FCGI_ERR_PARAMS_TIMEOUT', async () => {
    const s = await startServer(() => undefined, { paramsTimeout: 100 });
    server = s.server;
    const errors: string[] = [];
    server.on('clientError', (err) => errors.push(err.code));
    const peer = new Peer(s.port);
    const params = encodeParams(1, [['REQUEST_METHOD', 'GET']], { terminate: false });
    peer.send(encodeBeginRequest(1, Role.RESPONDER, true), params); // no PARAMS terminator
    await peer.closed;
    expect(errors).toEqual(['FCGI_ERR_PARAMS_TIMEOUT']);
  });

  it('arms the PARAMS deadline of each stalled request on its own connection only', async () => {
    const s = await startServer((req, params) => {
      reply(req, `served ${params.get('REQUEST_URI')}`);
      return undefined;
    }, { paramsTimeout: 150 });
    server = s.server;
    const errors: string[] = [];
    server.on('clientError', (err) => errors.push(err.code));
    const uri = (path: string): [string, string][] => [['REQUEST_METHOD', 'GET'], ['REQUEST_URI', path]];
    const stalled = new Peer(s.port);
    const late = new Peer(s.port);
    const whole = new Peer(s.port);
    // Two connections begin a request whose PARAMS are incomplete after the chunk; one finishes
    // them before the deadline, the other never does. A third sends whole requests meanwhile.
    stalled.send(encodeBeginRequest(1, Role.RESPONDER, true), encodeParams(1, uri('/stalled'), { terminate: false }));
    late.send(encodeBeginRequest(1, Role.RESPONDER, true), encodeParams(1, uri('/late'), { terminate: false }));
    whole.send(...request(1, true, uri('/whole')));
    await new Promise((r) => setTimeout(r, 50));
    late.send(encodeParams(1, [], { terminate: true }), encodeStreamEnd(T.STDIN, 1));
    whole.send(...request(2, true, uri('/again')));
    await stalled.closed;
    await late.until(() => late.ended(1));
    await whole.until(() => whole.ended(1) && whole.ended(2));
    expect(errors).toEqual(['FCGI_ERR_PARAMS_TIMEOUT']);
    expect(late.answers.get(1)?.stdout.toString()).toContain('served /late');
    expect(whole.answers.get(2)?.stdout.toString()).toContain('served /again');
    // The connections that completed their PARAMS outlive the deadline.
    await new Promise((r) => setTimeout(r, 250));
    expect(late.socket.destroyed || whole.socket.destroyed).toBe(false);
  });

  it('closes an idle kept-alive connection after keepAliveTimeout, not while a request runs', async () => {
    let finish: (() => void) | undefined;
    const s = await startServer((req, params) => {
      if (params.get('SLOW') === '1') finish = () => reply(req, 'slow');
      else reply(req, 'fast');
      return undefined;
    }, { keepAliveTimeout: 150 });
    server = s.server;
    const peer = new Peer(s.port);
    peer.send(...request(1, true, [['SLOW', '1']]));
    await new Promise((r) => setTimeout(r, 300)); // longer than the idle timeout, but a request is active
    expect(peer.socket.destroyed).toBe(false);
    finish?.();
    await peer.until(() => peer.ended(1));
    const started = Date.now();
    await peer.closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });
});

describe('FastCGI server: output', () => {
  it("listens for 'drain' only once output has had to wait (not for a last write the kernel took whole), and then once", async () => {
    // A unix socket: its small kernel buffers make a 4 MiB response wait for a reader that stops.
    const dir = mkdtempSync(join(tmpdir(), 'gw-drain-'));
    const big = Buffer.alloc(4 * 1024 * 1024, 'x');
    const s = createServer({
      handleRequest: (req) => {
        const uri = (req.params as ParamList).get('REQUEST_URI');
        reply(req, uri === '/big' ? big : uri === '/64k' ? Buffer.alloc(64 * 1024, 'y') : 'small');
        return { pushBody: () => true, endBody: () => {}, drain: () => {}, abort: () => {} };
      },
    });
    server = s;
    const sockets: Socket[] = [];
    s.on('connection', (socket: Socket) => sockets.push(socket));
    await new Promise<void>((r) => s.listen(join(dir, 'app.sock'), r));
    const web = connect(join(dir, 'app.sock'));
    let stdoutBytes = 0;
    const ended = new Set<number>();
    const decoder = new RecordDecoder({
      onStream: (_id, _type, chunk) => {
        stdoutBytes += chunk.length;
      },
      onEndRequest: (id) => ended.add(id),
    });
    web.on('data', (chunk) => decoder.push(chunk));
    const until = async (predicate: () => boolean) => {
      for (let i = 0; i < 500 && !predicate(); i++) await new Promise((r) => setTimeout(r, 10));
      expect(predicate()).toBe(true);
    };
    const get = (id: number, path: string) => Buffer.concat(request(id, true, [['REQUEST_METHOD', 'GET'], ['REQUEST_URI', path]]));
    try {
      web.write(get(1, '/small'));
      await until(() => ended.has(1));
      const appSide = sockets[0] as Socket;
      expect(appSide.listenerCount('drain')).toBe(0);
      // Over the socket's high-water mark, but taken whole by an idle unix socket: as the
      // response's last write it has nothing to wait for.
      web.write(get(4, '/64k'));
      await until(() => ended.has(4));
      expect(appSide.listenerCount('drain')).toBe(0);
      for (const id of [2, 3]) {
        // The web server stops reading: the app's socket fills and its output has to wait.
        web.pause();
        const before = stdoutBytes;
        web.write(get(id, '/big'));
        await until(() => appSide.writableNeedDrain);
        expect(appSide.listenerCount('drain')).toBe(1);
        web.resume();
        await until(() => ended.has(id));
        expect(stdoutBytes - before).toBeGreaterThan(big.length);
      }
    } finally {
      web.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
