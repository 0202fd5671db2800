import { describe, expect, it } from 'vitest';
import { type FastCgiClient, FastCgiClientErrorCode as Code, RecordType } from '../src/index.js';
import type { FastCgiResponseHandler } from '../src/client/client-response.js';
import { endRequest, type FakeHandler, simpleResponse, stdout, stdoutEnd, useFakeAppClient } from './client-fake-app.js';
import { fcgiRecord } from '@gw/test-utils';

// Handing a non-multiplexed connection to the next queued request: as soon as END_REQUEST is the
// last byte read, before the finished request's end reaches its handler (whose res.end() writes
// the HTTP response), so the app's worker is not left idle meanwhile.

const fixture = useFakeAppClient();
const setup = fixture.setup;

/** What a handler saw: its events, and the pool's figures at its body end and its end. */
interface Seen {
  events: string[];
  body: string;
  atBodyEnd: { queued: number; active: number } | undefined;
  atEnd: { queued: number; active: number } | undefined;
  error: (Error & { code?: string }) | undefined;
}

/** A handler recording its callbacks and the pool's queue / load when the response ends. */
function watching(client: FastCgiClient): { handler: FastCgiResponseHandler; seen: Seen; done: Promise<void> } {
  const seen: Seen = { events: [], body: '', atBodyEnd: undefined, atEnd: undefined, error: undefined };
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  const pool = () => ({ queued: client.stats.queued, active: client.stats.active });
  const handler: FastCgiResponseHandler = {
    onHead: (head) => void seen.events.push(`head ${head.status}`),
    onBody: (chunk) => {
      seen.events.push('body');
      seen.body += chunk.toString();
      return true;
    },
    onBodyEnd: () => {
      seen.events.push('bodyEnd');
      seen.atBodyEnd = pool();
    },
    onEnd: () => {
      seen.events.push('end');
      seen.atEnd = pool();
      finish();
    },
    onError: (err) => {
      seen.events.push('error');
      seen.error = err;
      finish();
    },
  };
  return { handler, seen, done };
}

/** php-fpm's shape: STDOUT with head and body, then END_REQUEST without the empty STDOUT, in one write. */
const phpFpmStyle: FakeHandler = (r) => r.connection.send(stdout(r.id, `Content-Type: text/plain\r\n\r\n${r.params.get('N')}`), endRequest(r.id));

describe('handing the connection to the next queued request', () => {
  it.each([
    ['with the empty STDOUT', ((r) => r.connection.send(simpleResponse(r.id, `${r.params.get('N')}`))) as FakeHandler],
    ['php-fpm style, END_REQUEST without the empty STDOUT', phpFpmStyle],
  ])('writes the queued request before the finished one’s end is delivered (%s)', async (_label, app) => {
    const c = await setup(app, { maxConnections: 1 });
    const first = watching(c);
    const second = watching(c);
    c.dispatch({ params: { N: 'one' } }, first.handler);
    c.dispatch({ params: { N: 'two' } }, second.handler);
    await Promise.all([first.done, second.done]);
    // At the first response's end the second request is already on the connection, not queued.
    expect(first.seen.atBodyEnd).toEqual({ queued: 0, active: 1 });
    expect(first.seen.atEnd).toEqual({ queued: 0, active: 1 });
    expect(second.seen.atEnd).toEqual({ queued: 0, active: 0 });
    expect([first.seen.events, first.seen.body, second.seen.events, second.seen.body]).toEqual([
      ['head 200', 'body', 'bodyEnd', 'end'],
      'one',
      ['head 200', 'body', 'bodyEnd', 'end'],
      'two',
    ]);
    // One connection, each request sent once.
    expect(fixture.app?.connections.map((x) => x.requests.map((r) => r.params.get('N')))).toEqual([['one', 'two']]);
  });

  it('serves a queue of requests over the pool with none lost or sent twice', async () => {
    const c = await setup(phpFpmStyle, { maxConnections: 2 });
    const calls = Array.from({ length: 40 }, (_, i) => {
      const call = watching(c);
      c.dispatch({ params: { N: `r${i}` } }, call.handler);
      return call;
    });
    await Promise.all(calls.map((call) => call.done));
    expect(calls.map((call) => call.seen.body)).toEqual(calls.map((_, i) => `r${i}`));
    const sent = fixture.app?.requests.map((r) => r.params.get('N')).sort();
    expect(sent).toEqual(calls.map((_, i) => `r${i}`).sort());
    expect(c.stats.connectionsOpened).toBe(2);
  });

  it('still delivers a body end read before a protocol error in the same chunk, then the error', async () => {
    // A BEGIN_REQUEST from the app (a record type only a web server sends) after the empty STDOUT.
    const c = await setup((r) => r.connection.send(stdout(r.id, 'Content-Type: text/plain\r\n\r\nok'), stdoutEnd(r.id), fcgiRecord(RecordType.BEGIN_REQUEST, r.id, Buffer.alloc(8))), {
      maxConnections: 1,
    });
    const call = watching(c);
    c.dispatch({}, call.handler);
    await call.done;
    expect(call.seen.events).toEqual(['head 200', 'body', 'bodyEnd', 'error']);
    expect(call.seen.error?.code).toBe(Code.UNEXPECTED_RECORD);
  });

  it('closes, and does not hand on, a connection whose STDOUT ended before the head (#42)', async () => {
    const c = await setup((r) => r.connection.send(stdout(r.id, 'Content-Type: text/pl'), stdoutEnd(r.id), endRequest(r.id)), { maxConnections: 1 });
    const first = watching(c);
    const second = watching(c);
    c.dispatch({}, first.handler);
    c.dispatch({}, second.handler);
    await Promise.all([first.done, second.done]);
    expect([first.seen.error?.code, second.seen.error?.code]).toEqual([Code.NO_RESPONSE_HEAD, Code.NO_RESPONSE_HEAD]);
    expect(fixture.app?.connections.map((x) => x.requests.length)).toEqual([1, 1]);
  });
});
