import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFlatPreamble } from '../src/client/flat-request-encoding.js';
import { encodeRequest } from '../src/client/request-encoding.js';
import { createClient, type FastCgiClient, FastCgiClientErrorCode as Code, type FastCgiClientOptions, RecordType, Role } from '../src/index.js';
import type { FastCgiResponseHandler } from '../src/client/client-response.js';
import { endRequest, FakeApp, type FakeHandler, type SeenRequest, simpleResponse, stderr, stdout, stdoutEnd, useFakeAppClient } from './client-fake-app.js';

// dispatch(): the callback interface (what @gw/proxy uses), the flat-params fast path, the lazy idle timer.

const fixture = useFakeAppClient();
const setup = fixture.setup;

/** A handler that records every callback as an event, and resolves `done` at onEnd or onError. */
function recorder(onBody: (chunk: Buffer) => boolean = () => true) {
  const events: string[] = [];
  let body = Buffer.alloc(0);
  let error: (Error & { code?: string }) | undefined;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  const handler: FastCgiResponseHandler = {
    onHead: (head) => void events.push(`head ${head.status} ${head.headers.map(([n, v]) => `${n}=${v}`).join(',')}`),
    onBody: (chunk) => {
      events.push('body');
      body = Buffer.concat([body, chunk]);
      return onBody(chunk);
    },
    onBodyEnd: () => void events.push('bodyEnd'),
    onEnd: (end) => {
      events.push(`end ${end.appStatus} ${end.bodyBytes}`);
      finish();
    },
    onError: (err) => {
      events.push('error');
      error = err;
      finish();
    },
    onStderr: (chunk) => void events.push(`stderr ${chunk.toString()}`),
  };
  return { handler, events, done, body: () => body.toString(), error: () => error };
}

/** A handler that holds requests until the test releases them. */
function holding(): { handler: FakeHandler; held: SeenRequest[]; arrived(n: number): Promise<void> } {
  const held: SeenRequest[] = [];
  return {
    handler: (r) => held.push(r),
    held,
    async arrived(n) {
      while (held.length < n) await sleep(2);
    },
  };
}

describe('dispatch', () => {
  it('calls onHead, onBody, onBodyEnd, onEnd in order, STDERR to onStderr', async () => {
    const c = await setup((r) => r.connection.send(stderr(r.id, 'warn'), stdout(r.id, 'Status: 201 Created\r\nX-A: 1\r\n\r\nhel'), stdout(r.id, 'lo'), stdoutEnd(r.id), endRequest(r.id, 3)));
    const rec = recorder();
    c.dispatch({ params: { REQUEST_METHOD: 'GET' } }, rec.handler);
    await rec.done;
    expect(rec.events).toEqual(['stderr warn', 'head 201 X-A=1', 'body', 'body', 'bodyEnd', 'end 3 5']);
    expect(rec.body()).toBe('hello');
  });

  it('aborts a multiplexed request with ABORT_REQUEST, reports FCGI_ERR_ABORTED and keeps the connection', async () => {
    const hold = holding();
    const c = await setup(hold.handler, { multiplex: true, maxConnections: 1 });
    const rec = recorder();
    const handle = c.dispatch({ params: { REQUEST_METHOD: 'GET' } }, rec.handler);
    await hold.arrived(1);
    handle.abort(new Error('client went away'));
    await rec.done;
    expect(rec.events).toEqual(['error']);
    expect(rec.error()?.code).toBe(Code.ABORTED);
    const r = hold.held[0] as SeenRequest;
    while (!r.aborted) await sleep(2);
    r.connection.send(endRequest(r.id));
    const next = recorder();
    c.dispatch({}, next.handler);
    await hold.arrived(2);
    const r2 = hold.held[1] as SeenRequest;
    r2.connection.send(simpleResponse(r2.id, 'fine'));
    await next.done;
    expect(next.body()).toBe('fine');
    expect(r2.connection).toBe(r.connection);
  });

  it('closes the connection to abort a non-multiplexed request', async () => {
    const hold = holding();
    const c = await setup(hold.handler);
    const rec = recorder();
    const handle = c.dispatch({}, rec.handler);
    await hold.arrived(1);
    const socket = hold.held[0]?.connection.socket;
    const closed = new Promise<void>((resolve) => socket?.once('close', () => resolve()));
    handle.abort();
    await rec.done;
    expect(rec.error()?.code).toBe(Code.ABORTED);
    await closed;
  });

  it('stops reading while onBody returns false, until resume()', async () => {
    const chunk = Buffer.alloc(60_000, 7);
    const c = await setup((r) => r.connection.send(stdout(r.id, 'Status: 200 OK\r\n\r\n'), ...Array.from({ length: 40 }, () => stdout(r.id, chunk)), stdoutEnd(r.id), endRequest(r.id)));
    let paused = false;
    const rec = recorder(() => {
      paused = true;
      return false;
    });
    const handle = c.dispatch({}, rec.handler);
    while (!paused) await sleep(2);
    await sleep(50);
    const seen = rec.events.filter((e) => e === 'body').length;
    // One socket read's worth at most is delivered after the pause, far from the 40 records.
    expect(seen).toBeLessThan(40);
    while (!rec.events.some((e) => e.startsWith('end'))) {
      handle.resume();
      await sleep(1);
    }
    expect(rec.body().length).toBe(40 * chunk.length);
  });

  it('reports a full queue to onError before returning', async () => {
    const hold = holding();
    const c = await setup(hold.handler, { maxConnections: 1, maxQueue: 1 });
    c.dispatch({}, recorder().handler);
    await hold.arrived(1);
    c.dispatch({}, recorder().handler);
    const rec = recorder();
    c.dispatch({}, rec.handler);
    expect(rec.error()?.code).toBe(Code.QUEUE_FULL);
  });

  it('throws bad params synchronously', async () => {
    const c = await setup(() => {});
    expect(() => c.dispatch({ params: { flat: ['A', 'é€'] } }, recorder().handler)).toThrow(expect.objectContaining({ code: 'GW_ERR_NOT_LATIN1' }));
    // Names and values are copied by a loop up to 64 characters and by a native write beyond:
    // both paths check.
    for (const flat of [['A', `${'x'.repeat(100)}€`], [`${'N'.repeat(64)}\u0100`, 'v'], ['\u{1F600}', '']]) {
      expect(() => encodeFlatPreamble(flat, Role.RESPONDER, null)).toThrow(expect.objectContaining({ code: 'GW_ERR_NOT_LATIN1' }));
    }
  });
});

describe('flat params', () => {
  it('sends { flat } params, adding CONTENT_LENGTH only when absent', async () => {
    const seen: SeenRequest[] = [];
    const c = await setup((r) => {
      seen.push(r);
      r.connection.send(simpleResponse(r.id, 'ok'));
    });
    for (const params of [{ flat: ['REQUEST_METHOD', 'POST', 'X', 'é'] }, { flat: ['CONTENT_LENGTH', '3', 'REQUEST_METHOD', 'GET'] }]) {
      const rec = recorder();
      c.dispatch({ params, body: Buffer.from('abc') }, rec.handler);
      await rec.done;
    }
    expect([...(seen[0]?.params ?? [])]).toEqual([
      ['REQUEST_METHOD', 'POST'],
      ['X', 'é'],
      ['CONTENT_LENGTH', '3'],
    ]);
    expect(seen[0]?.stdin.toString()).toBe('abc');
    expect([...(seen[1]?.params ?? [])]).toEqual([
      ['CONTENT_LENGTH', '3'],
      ['REQUEST_METHOD', 'GET'],
    ]);
  });

  it('encodes the same bytes as the general encoder (records of whole pairs, padding, inline STDIN)', () => {
    const part = fc.oneof(fc.string({ maxLength: 20 }), fc.string({ minLength: 120, maxLength: 300 }), fc.constantFrom('x'.repeat(30_000)));
    const latin1 = part.map((s) => Buffer.from(s, 'utf8').toString('latin1'));
    fc.assert(
      fc.property(fc.array(fc.tuple(latin1, latin1), { maxLength: 12 }), fc.constantFrom(Role.RESPONDER, Role.AUTHORIZER), fc.option(fc.uint8Array({ maxLength: 100 })), (pairs, role, body) => {
        const flat = pairs.flat();
        const stdin = body ?? undefined;
        const general = encodeRequest(
          pairs.map(([n, v]) => [n, v]),
          role,
          stdin,
          undefined,
        );
        const skipStdin = role === Role.AUTHORIZER && stdin === undefined;
        expect(encodeFlatPreamble(flat, role, skipStdin ? null : (stdin ?? new Uint8Array(0))).equals(general.preamble)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('refuses a pair larger than one record with FCGI_ERR_PAIR_TOO_LARGE', () => {
    expect(() => encodeFlatPreamble(['BIG', 'x'.repeat(70_000)], Role.RESPONDER, null)).toThrow(expect.objectContaining({ code: 'FCGI_ERR_PAIR_TOO_LARGE' }));
  });

  it('ends a preamble with the empty PARAMS and STDIN records', () => {
    const bytes = encodeFlatPreamble(['A', 'b'], Role.RESPONDER, new Uint8Array(0));
    expect(bytes[bytes.length - 7]).toBe(RecordType.STDIN);
    expect(bytes.readUInt16BE(bytes.length - 4)).toBe(0);
    expect(bytes[bytes.length - 15]).toBe(RecordType.PARAMS);
  });
});

describe('idle timer', () => {
  it('closes a connection idle for the timeout even after it was reused (measured from its last request)', async () => {
    const c = await setup((r) => r.connection.send(simpleResponse(r.id, 'ok')), { timeouts: { idle: 120 } });
    const once = async () => {
      const rec = recorder();
      c.dispatch({}, rec.handler);
      await rec.done;
    };
    await once();
    await sleep(80);
    await once();
    // 130 ms after the first request, 50 ms after the second: still open.
    await sleep(50);
    expect(c.stats.connections).toBe(1);
    const socket = fixture.app?.connections[0]?.socket;
    await new Promise<void>((resolve) => socket?.once('end', resolve));
    await sleep(10);
    expect(c.stats.connections).toBe(0);
    expect(fixture.app?.connections.length).toBe(1);
  });
});
