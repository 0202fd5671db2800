import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type FastCgiClient, type FastCgiClientError, FastCgiClientErrorCode as Code, type FastCgiClientOptions, ProtocolStatus, RecordType, Role } from '../src/index.js';
import { collect, endRequest, FakeApp, type FakeHandler, type SeenRequest, simpleResponse, stdout, stdoutEnd, useFakeAppClient } from './client-fake-app.js';

// The pool: reuse, limits, queue, probe, multiplexing, cancellation, timeouts, recycling.

const fixture = useFakeAppClient();
const setup = fixture.setup;

async function rejection(promise: Promise<unknown>): Promise<FastCgiClientError> {
  try {
    await promise;
  } catch (err) {
    return err as FastCgiClientError;
  }
  throw new Error('expected a rejection');
}

async function text(c: FastCgiClient, params: Record<string, string> = { REQUEST_METHOD: 'GET' }): Promise<string> {
  const res = await c.request({ params });
  const body = (await collect(res.body)).toString();
  await res.ended;
  return body;
}

const answerWithLength: FakeHandler = (r) => r.connection.send(simpleResponse(r.id, String(r.stdin.length)));

const answer: FakeHandler = (r) => r.connection.send(simpleResponse(r.id, `#${r.id} ${r.params.get('N') ?? ''}`));

/** A handler that holds requests until the test releases them. */
function holding(): { handler: FakeHandler; held: SeenRequest[]; release(r: SeenRequest, body?: string): void; arrived(n: number): Promise<void> } {
  const held: SeenRequest[] = [];
  return {
    handler: (r) => held.push(r),
    held,
    release: (r, body = `#${r.id}`) => r.connection.send(simpleResponse(r.id, body)),
    async arrived(n) {
      while (held.length < n) await sleep(2);
    },
  };
}

describe('connection reuse and limits', () => {
  it('runs sequential requests on one kept-alive connection, always as request id 1', async () => {
    const c = await setup(answer);
    for (let i = 0; i < 5; i++) expect(await text(c)).toBe('#1 ');
    expect(fixture.app?.connections.length).toBe(1);
    expect(fixture.app?.requests.every((r) => r.id === 1 && (r.flags & 1) === 1)).toBe(true);
  });

  it('opens at most maxConnections and queues the rest', async () => {
    const hold = holding();
    const c = await setup(hold.handler, { maxConnections: 2 });
    const pending = Array.from({ length: 5 }, (_, i) => c.request({ params: { N: String(i) } }));
    await hold.arrived(2);
    await sleep(20);
    expect(fixture.app?.connections.length).toBe(2);
    expect(c.stats.queued).toBe(3);
    for (let done = 0; done < 5; done++) {
      await hold.arrived(done + 1);
      hold.release(hold.held[done] as SeenRequest);
    }
    const bodies = await Promise.all(pending.map(async (p) => (await collect((await p).body)).toString()));
    expect(bodies).toHaveLength(5);
    expect(fixture.app?.connections.length).toBe(2);
  });

  it('fails a request beyond maxQueue with FCGI_ERR_QUEUE_FULL (retryable)', async () => {
    const hold = holding();
    const c = await setup(hold.handler, { maxConnections: 1, maxQueue: 1 });
    const first = c.request();
    await hold.arrived(1);
    const second = c.request();
    const err = await rejection(c.request());
    expect(err.code).toBe(Code.QUEUE_FULL);
    expect(err.retryable).toBe(true);
    hold.release(hold.held[0] as SeenRequest);
    await hold.arrived(2);
    hold.release(hold.held[1] as SeenRequest);
    await Promise.all([first, second]);
  });

  it('closes a pooled connection after the idle timeout', async () => {
    const c = await setup(answer, { timeouts: { idle: 30 } });
    await text(c);
    const socket = fixture.app?.connections[0]?.socket;
    await new Promise<void>((resolve) => socket?.once('end', resolve));
    await sleep(10);
    expect(c.stats.connections).toBe(0);
    await text(c);
    expect(fixture.app?.connections.length).toBe(2);
  });

  it('retires a connection after maxConnectionUses requests', async () => {
    const c = await setup(answer, { maxConnectionUses: 2 });
    for (let i = 0; i < 5; i++) await text(c);
    expect(fixture.app?.connections.map((x) => x.requests.length)).toEqual([2, 2, 1]);
  });
});

describe('GET_VALUES probe', () => {
  it('probes on a throw-away connection and follows FCGI_MAX_CONNS', async () => {
    const hold = holding();
    const c = await setup(hold.handler, { probe: true });
    (fixture.app as FakeApp).getValues = [
      ['FCGI_MAX_CONNS', '1'],
      ['FCGI_MAX_REQS', '1'],
      ['FCGI_MPXS_CONNS', '0'],
    ];
    const pending = [c.request(), c.request(), c.request()];
    await hold.arrived(1);
    await sleep(20);
    expect(fixture.app?.getValuesRequests).toBe(1);
    expect(fixture.app?.connections[0]?.requests.length).toBe(0); // the probe connection carried no request
    expect(fixture.app?.connections.length).toBe(2);
    for (let i = 0; i < 3; i++) {
      await hold.arrived(i + 1);
      hold.release(hold.held[i] as SeenRequest);
    }
    await Promise.all(pending);
    expect(c.stats.multiplex).toBe(false);
    expect(fixture.app?.connections.length).toBe(2);
  });

  it('uses the defaults when the app ignores GET_VALUES (after timeouts.probe)', async () => {
    const c = await setup(answer, { probe: true, timeouts: { probe: 50 } });
    const started = Date.now();
    expect(await text(c)).toBe('#1 ');
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(c.stats.multiplex).toBe(false);
  });

  it('does not probe when multiplex is set', async () => {
    const c = await setup(answer, { probe: true, multiplex: false });
    await text(c);
    expect(fixture.app?.getValuesRequests).toBe(0);
  });
});

describe('multiplexing', () => {
  async function muxSetup(handler: FakeHandler, options: Partial<FastCgiClientOptions> = {}) {
    const c = await setup(handler, { probe: true, ...options });
    (fixture.app as FakeApp).getValues = [['FCGI_MPXS_CONNS', '1']];
    return c;
  }

  it('runs concurrent requests on one connection with the lowest free ids, reused after END_REQUEST', async () => {
    const hold = holding();
    const c = await muxSetup(hold.handler);
    const [a, b, d] = [c.request(), c.request(), c.request()];
    await hold.arrived(3);
    expect(hold.held.map((r) => r.id)).toEqual([1, 2, 3]);
    hold.release(hold.held[1] as SeenRequest, 'second');
    expect((await collect((await b).body)).toString()).toBe('second');
    const e = c.request();
    await hold.arrived(4);
    expect(hold.held[3]?.id).toBe(2);
    for (const r of [hold.held[0], hold.held[2], hold.held[3]]) hold.release(r as SeenRequest);
    await Promise.all([a, d, e]);
    expect(fixture.app?.connections.length).toBe(2); // probe + one multiplexed connection
    expect(c.stats.multiplex).toBe(true);
  });

  it('demultiplexes interleaved records of several requests', async () => {
    const hold = holding();
    const c = await muxSetup(hold.handler);
    const pending = [c.request(), c.request()];
    await hold.arrived(2);
    const [r1, r2] = hold.held as [SeenRequest, SeenRequest];
    const conn = r1.connection;
    conn.send(stdout(2, 'Status: 200 OK\r\n\r\nB'), stdout(1, 'Status: 200 OK\r\n\r\nA'), stdout(2, 'B'), stdout(1, 'A'), stdoutEnd(1), endRequest(1), stdoutEnd(2), endRequest(2));
    const [x, y] = await Promise.all(pending.map(async (p) => (await collect((await p).body)).toString()));
    expect([x, y]).toEqual(['AA', 'BB']);
    expect(r2.id).toBe(2);
  });

  it('sends ABORT_REQUEST for a cancelled multiplexed request and keeps the connection', async () => {
    const hold = holding();
    const c = await muxSetup(hold.handler);
    const controller = new AbortController();
    const doomed = c.request({ signal: controller.signal });
    await hold.arrived(1);
    controller.abort(new Error('client went away'));
    const err = await rejection(doomed);
    expect(err.code).toBe(Code.ABORTED);
    const r = hold.held[0] as SeenRequest;
    while (!r.aborted) await sleep(2);
    // The app answers the abort with END_REQUEST; records for the id are drained, then the id is free.
    r.connection.send(stdout(r.id, 'Status: 200 OK\r\n\r\nlate'), endRequest(r.id));
    const next = c.request();
    await hold.arrived(2);
    hold.release(hold.held[1] as SeenRequest, 'fine');
    expect((await collect((await next).body)).toString()).toBe('fine');
    expect(hold.held[1]?.connection).toBe(r.connection);
  });

  it('downgrades to one request per connection after CANT_MPX_CONN', async () => {
    const c = await muxSetup((r) => {
      if (r.id === 1) setTimeout(() => r.connection.send(simpleResponse(r.id, 'one')), 20);
      else r.connection.send(endRequest(r.id, 0, ProtocolStatus.CANT_MPX_CONN));
    });
    const first = c.request();
    const err = await rejection(c.request());
    expect(err.code).toBe(Code.CANT_MPX_CONN);
    expect(err.retryable).toBe(true);
    await first;
    expect(c.stats.multiplex).toBe(false);
  });
});

describe('cancellation and timeouts', () => {
  it('removes a queued request when its signal fires; the app never sees it', async () => {
    const hold = holding();
    const c = await setup(hold.handler, { maxConnections: 1 });
    const first = c.request();
    await hold.arrived(1);
    const controller = new AbortController();
    const queued = c.request({ signal: controller.signal });
    controller.abort();
    expect((await rejection(queued)).code).toBe(Code.ABORTED);
    hold.release(hold.held[0] as SeenRequest);
    await first;
    await sleep(20);
    expect(fixture.app?.requests.length).toBe(1);
  });

  it('fails at once for an already aborted signal', async () => {
    const c = await setup(answer);
    expect((await rejection(c.request({ signal: AbortSignal.abort() }))).code).toBe(Code.ABORTED);
  });

  it('closes the connection to cancel a non-multiplexed request (php-fpm has no ABORT handler)', async () => {
    const hold = holding();
    const c = await setup(hold.handler);
    const controller = new AbortController();
    const doomed = c.request({ signal: controller.signal });
    await hold.arrived(1);
    const closed = new Promise<void>((resolve) => hold.held[0]?.connection.socket.once('close', () => resolve()));
    controller.abort();
    expect((await rejection(doomed)).code).toBe(Code.ABORTED);
    await closed;
    expect(hold.held[0]?.aborted).toBe(false);
  });

  it('cancels when the response body is destroyed before its end', async () => {
    const c = await setup((r) => r.connection.send(stdout(r.id, 'Status: 200 OK\r\n\r\nstart')));
    const res = await c.request();
    const closed = new Promise<void>((resolve) => fixture.app?.connections[0]?.socket.once('close', () => resolve()));
    res.body.destroy();
    await closed;
    expect((await rejection(res.ended)).code).toBe(Code.ABORTED);
  });

  it('fails with FCGI_ERR_FIRST_BYTE_TIMEOUT when the head is late (per-request override)', async () => {
    const c = await setup(() => {});
    const started = Date.now();
    const err = await rejection(c.request({ timeouts: { firstByte: 40 } }));
    expect(err.code).toBe(Code.FIRST_BYTE_TIMEOUT);
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
  });

  it('fails with FCGI_ERR_CONNECT_TIMEOUT (retryable) when the connection is never accepted', async () => {
    // A listener that never accepts, with a full backlog: the kernel drops further SYNs, so a
    // connect hangs. node accepts eagerly, so the listener is a python process that only listens.
    const listener = spawn('python3', ['-c', 'import socket,sys,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(30)']);
    try {
      const [line] = (await once(listener.stdout, 'data')) as [Buffer];
      const port = Number(line.toString().trim());
      const fillers = Array.from({ length: 4 }, () => connect(port, '127.0.0.1').on('error', () => {}));
      await sleep(50);
      fixture.client = createClient({ port, probe: false, timeouts: { connect: 100 } });
      const err = await rejection(fixture.client.request());
      expect(err.code).toBe(Code.CONNECT_TIMEOUT);
      expect(err.retryable).toBe(true);
      for (const f of fillers) f.destroy();
    } finally {
      listener.kill();
    }
  });

  it('fails with FCGI_ERR_CONNECT_FAILED (retryable) when nothing listens', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fixture.client = createClient({ port, probe: true });
    const err = await rejection(fixture.client.request());
    expect(err.code).toBe(Code.CONNECT_FAILED);
    expect(err.retryable).toBe(true);
    const unix = createClient({ path: '/nonexistent/gw-test.sock' });
    expect((await rejection(unix.request())).code).toBe(Code.CONNECT_FAILED);
  });

  it('fails queued requests with FCGI_ERR_CLIENT_CLOSED on close()', async () => {
    const hold = holding();
    const c = await setup(hold.handler, { maxConnections: 1 });
    const first = c.request();
    await hold.arrived(1);
    const queued = rejection(c.request());
    const inFlight = rejection(first);
    await c.close();
    expect((await queued).code).toBe(Code.CLIENT_CLOSED);
    expect((await inFlight).code).toBe(Code.CONNECTION_CLOSED);
    expect((await rejection(c.request())).code).toBe(Code.CLIENT_CLOSED);
  });
});

describe('apps that close kept-alive connections (php-fpm worker recycling)', () => {
  it('sends a request to a new connection when the pooled one was closed while idle (nothing was written)', async () => {
    const c = await setup((r) => {
      r.connection.send(simpleResponse(r.id, 'ok'));
      setTimeout(() => r.connection.socket.end(), 80);
    });
    expect(await text(c, { REQUEST_METHOD: 'POST' })).toBe('ok');
    await sleep(120);
    expect(await text(c, { REQUEST_METHOD: 'POST' })).toBe('ok');
    expect(c.stats.staleRetries).toBe(0);
  });

  /**
   * Like php-fpm with pm.max_requests = 2: a connection's third request is read but never run —
   * the worker shuts the connection down instead (it answered END_REQUEST for the second a moment ago).
   */
  const recycling: FakeHandler = (r) => {
    if (r.connection.requests.length > 2) r.connection.socket.end();
    else r.connection.send(simpleResponse(r.id, 'ok'));
  };

  it('resends an idempotent request lost to a connection the app closed right after END_REQUEST, then retires connections before that count', async () => {
    const c = await setup(recycling, { maxConnections: 1 });
    const results = await Promise.all(Array.from({ length: 8 }, () => text(c)));
    expect(results).toEqual(Array(8).fill('ok'));
    expect(c.stats.staleRetries).toBe(1);
    expect(c.stats.appConnectionLimit).toBe(2);
    // Only the first connection got a third request; after that the client retired each after two.
    expect(fixture.app?.connections.map((x) => x.requests.length)).toEqual([3, 2, 2, 2]);
  });

  it('resends a POST, streamed body included, when the app closed right after END_REQUEST (it never ran it)', async () => {
    const c = await setup(recycling, { maxConnections: 1 });
    expect(await text(c, { REQUEST_METHOD: 'POST' })).toBe('ok');
    expect(await text(c, { REQUEST_METHOD: 'POST' })).toBe('ok');
    async function* body() {
      yield Buffer.from('part one, ');
      yield Buffer.from('part two');
    }
    const res = await c.request({ params: { REQUEST_METHOD: 'POST', CONTENT_LENGTH: '18' }, body: body() });
    expect((await collect(res.body)).toString()).toBe('ok');
    expect(c.stats.staleRetries).toBe(1);
    const resent = fixture.app?.connections[1]?.requests[0] as SeenRequest;
    expect(resent.stdin.toString()).toBe('part one, part two');
  });

  it('resends a proxied-style 1 MiB Readable body when the recycling FIN arrives as the request goes out', async () => {
    // The body is already in memory, as a proxied request's often is: without a pause between
    // chunks it would all be written before the FIN is read, past what can be kept for a resend.
    const c = await setup(answerWithLength, { maxConnections: 1, maxReplayBytes: 512 * 1024 });
    // php-fpm: the worker shuts the connection down right after the END_REQUEST of its 2nd request.
    (fixture.app as FakeApp).onBegin = (r) => {
      if (r.connection.requests.length > 2) r.connection.socket.end();
    };
    await text(c, { REQUEST_METHOD: 'POST' });
    await text(c, { REQUEST_METHOD: 'POST' });
    const chunks = Array.from({ length: 16 }, (_, i) => Buffer.alloc(65536, i));
    const res = await c.request({ params: { REQUEST_METHOD: 'POST', CONTENT_LENGTH: String(16 * 65536) }, body: Readable.from(chunks) });
    expect((await collect(res.body)).toString()).toBe(String(16 * 65536));
    expect(c.stats.staleRetries).toBe(1);
    expect(fixture.app?.connections[1]?.requests[0]?.stdin.equals(Buffer.concat(chunks))).toBe(true);
  });

  it('reports, and does not resend, a POST whose connection closed later (the app may have run it): retryable: true', async () => {
    const c = await setup(
      (r) => {
        if (r.connection.requests.length >= 2) setTimeout(() => r.connection.socket.destroy(), 80);
        else r.connection.send(simpleResponse(r.id, 'ok'));
      },
      { maxConnections: 1 },
    );
    expect(await text(c, { REQUEST_METHOD: 'POST' })).toBe('ok');
    await sleep(100);
    const err = await rejection(c.request({ params: { REQUEST_METHOD: 'POST' }, body: Buffer.from('x') }));
    expect(err.code).toBe(Code.CONNECTION_CLOSED);
    expect(err.retryable).toBe(true);
    expect(c.stats.staleRetries).toBe(0);
    expect(fixture.app?.requests.length).toBe(2);
  });

  it('cannot resend a streamed body larger than maxReplayBytes', async () => {
    const c = await setup(recycling, { maxConnections: 1, maxReplayBytes: 1000 });
    await text(c);
    await text(c);
    const err = await rejection(c.request({ params: { REQUEST_METHOD: 'POST', CONTENT_LENGTH: '5000' }, body: Readable.from([Buffer.alloc(5000)]) }));
    expect(err.code).toBe(Code.CONNECTION_CLOSED);
    expect(err.retryable).toBe(true);
  });
});

describe('bodies', () => {
  it('streams a Readable request body and keeps a given CONTENT_LENGTH', async () => {
    const c = await setup((r) => r.connection.send(simpleResponse(r.id, `${r.params.get('CONTENT_LENGTH')}:${r.stdin.length}`)));
    const chunks = Array.from({ length: 20 }, () => Buffer.alloc(10_000, 3));
    const res = await c.request({ params: { REQUEST_METHOD: 'POST', CONTENT_LENGTH: '200000' }, body: Readable.from(chunks) });
    expect((await collect(res.body)).toString()).toBe('200000:200000');
  });

  it('sets CONTENT_LENGTH from a byte body, and sends strings from an async iterable as UTF-8', async () => {
    const c = await setup((r) => r.connection.send(simpleResponse(r.id, `${r.params.get('CONTENT_LENGTH') ?? 'none'}|${r.stdin.toString('hex')}`)));
    let res = await c.request({ body: Buffer.from('hello') });
    expect((await collect(res.body)).toString()).toBe(`5|${Buffer.from('hello').toString('hex')}`);
    async function* parts() {
      yield 'é';
      yield Buffer.from('!');
    }
    res = await c.request({ body: parts() });
    expect((await collect(res.body)).toString()).toBe(`none|${Buffer.from('é!', 'utf8').toString('hex')}`);
  });

  it('fails with FCGI_ERR_BODY_SOURCE_FAILED when the body stream errors', async () => {
    const c = await setup(() => {});
    async function* broken() {
      yield Buffer.alloc(70_000);
      throw new Error('disk gone');
    }
    const err = await rejection(c.request({ body: broken() }));
    expect(err.code).toBe(Code.BODY_SOURCE_FAILED);
    expect((err.cause as Error).message).toBe('disk gone');
  });

  it('stops reading the socket while the response body is not consumed, buffering a bounded amount', async () => {
    const big = Buffer.alloc(8 * 1024 * 1024, 5);
    const c = await setup((r) => r.connection.send(stdout(r.id, 'Status: 200 OK\r\n\r\n'), ...chunkedStdout(r.id, big), stdoutEnd(r.id), endRequest(r.id)));
    const res = await c.request();
    await sleep(150);
    expect(res.body.readableLength).toBeLessThanOrEqual(64 * 1024 + 65 * 1024);
    expect((await collect(res.body)).length).toBe(big.length);
    expect((await res.ended).bodyBytes).toBe(big.length);
  });
});

describe('roles', () => {
  it('Authorizer: no STDIN, no CONTENT_LENGTH; allowed with Variable-* headers', async () => {
    const c = await setup((r) => {
      const ok = r.params.get('HTTP_AUTHORIZATION') === 'yes';
      r.connection.send(simpleResponse(r.id, 'x', ok ? 'Status: 200 OK\r\nVariable-USER: ann\r\nVariable-AUTH_METHOD: token\r\n\r\n' : 'Status: 403 Forbidden\r\n\r\n'));
    });
    const allowed = await c.request({ role: 'authorizer', params: { HTTP_AUTHORIZATION: 'yes' } });
    expect(allowed.allowed).toBe(true);
    expect({ ...allowed.variables }).toEqual({ USER: 'ann', AUTH_METHOD: 'token' });
    const denied = await c.request({ role: Role.AUTHORIZER, params: { HTTP_AUTHORIZATION: 'no' } });
    expect(denied.allowed).toBe(false);
    expect(denied.status).toBe(403);
    const seen = fixture.app?.requests[0] as SeenRequest;
    expect(seen.role).toBe(Role.AUTHORIZER);
    expect(seen.types).not.toContain(RecordType.STDIN);
    expect(seen.params.has('CONTENT_LENGTH')).toBe(false);
  });

  it('Filter: DATA after the STDIN terminator, with FCGI_DATA_LENGTH', async () => {
    const c = await setup((r) => r.connection.send(simpleResponse(r.id, `${r.stdin}|${r.data}|${r.params.get('FCGI_DATA_LENGTH')}`)));
    const res = await c.request({ role: 'filter', body: Buffer.from('in'), data: Buffer.from('file-data') });
    expect((await collect(res.body)).toString()).toBe('in|file-data|9');
    const types = (fixture.app as FakeApp).requests[0]?.types.filter((t) => t === RecordType.STDIN || t === RecordType.DATA);
    expect(types).toEqual([RecordType.STDIN, RecordType.STDIN, RecordType.DATA, RecordType.DATA]);
  });

  it('rejects an unknown role with GW_ERR_INVALID_OPTION', async () => {
    const c = await setup(answer);
    expect((await rejection(c.request({ role: 'gatekeeper' as 'filter' }))).code).toBe('GW_ERR_INVALID_OPTION');
  });
});

function chunkedStdout(id: number, payload: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < payload.length; at += 65528) out.push(stdout(id, payload.subarray(at, at + 65528)));
  return out;
}
