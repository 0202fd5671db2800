import { fcgiRecord } from '@gw/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { createClient, type FastCgiClient, FastCgiClientError, FastCgiClientErrorCode as Code, ProtocolStatus, RecordType } from '../src/index.js';
import { collect, endRequest, FakeApp, type FakeHandler, simpleResponse, stderr, stderrEnd, stdout, stdoutEnd, useFakeAppClient } from './client-fake-app.js';

// How the client reads what an application sends back (protocols.md §6 #40-#45 and §1.5).

const fixture = useFakeAppClient();
const setup = fixture.setup;

async function rejection(promise: Promise<unknown>): Promise<FastCgiClientError & { code: string }> {
  try {
    await promise;
  } catch (err) {
    return err as FastCgiClientError;
  }
  throw new Error('expected a rejection');
}

describe('response head and body', () => {
  it('parses a head split across three STDOUT records and streams the body after it (#43)', async () => {
    const c = await setup((r) => {
      r.connection.send(stdout(r.id, 'Status: 201 Cre'), stdout(r.id, 'ated\r\nX-A: 1\r\nSet-Cookie: a=1\r\nSet-Cook'), stdout(r.id, 'ie: b=2\r\n\r\nbody-'), stdout(r.id, 'rest'), stdoutEnd(r.id), endRequest(r.id, 7));
    });
    const res = await c.request({ params: { REQUEST_METHOD: 'GET' } });
    expect(res.status).toBe(201);
    expect(res.statusText).toBe('Created');
    expect(res.headers).toEqual([
      ['X-A', '1'],
      ['Set-Cookie', 'a=1'],
      ['Set-Cookie', 'b=2'],
    ]);
    expect((await collect(res.body)).toString()).toBe('body-rest');
    expect(await res.ended).toEqual({ appStatus: 7, protocolStatus: ProtocolStatus.REQUEST_COMPLETE, bodyBytes: 9 });
  });

  it('decodes records fed one byte at a time (a header split across reads crashed fastcgi-client)', async () => {
    const c = await setup((r) => {
      const bytes = Buffer.concat([stdout(r.id, 'Content-Type: text/plain\r\n\r\nslow', 3), stderr(r.id, 'warn'), stdoutEnd(r.id), endRequest(r.id, 0, 0, 5)]);
      let i = 0;
      const tick = setInterval(() => {
        if (i >= bytes.length) return clearInterval(tick);
        r.connection.send(bytes.subarray(i, ++i));
      }, 0);
    });
    const res = await c.request();
    expect((await collect(res.body)).toString()).toBe('slow');
    expect((await collect(res.stderr)).toString()).toBe('warn');
    await res.ended;
  });

  it('maps Location without Status to 302 and flags a path-only Location as a local redirect', async () => {
    const c = await setup((r) => r.connection.send(simpleResponse(r.id, '', 'Location: /elsewhere\r\n\r\n')));
    const res = await c.request();
    expect(res.status).toBe(302);
    expect(res.location).toBe('/elsewhere');
    expect(res.localRedirect).toBe(true);
    await collect(res.body);
  });

  it('completes the response at END_REQUEST even without the empty STDOUT (#40)', async () => {
    const c = await setup((r) => r.connection.send(stdout(r.id, 'Status: 200 OK\r\n\r\nno-terminator'), endRequest(r.id, 3)));
    const res = await c.request();
    expect((await collect(res.body)).toString()).toBe('no-terminator');
    expect((await res.ended).appStatus).toBe(3);
  });

  it('fails with FCGI_ERR_NO_RESPONSE_HEAD for END_REQUEST before any STDOUT (#41)', async () => {
    const c = await setup((r) => r.connection.send(endRequest(r.id)));
    const err = await rejection(c.request());
    expect(err.code).toBe(Code.NO_RESPONSE_HEAD);
    expect(err.retryable).toBe(false);
  });

  it('fails with FCGI_ERR_NO_RESPONSE_HEAD for the empty STDOUT before the blank line (#42)', async () => {
    const c = await setup((r) => r.connection.send(stdout(r.id, 'Status: 200 OK\r\nX: 1\r\n'), stdoutEnd(r.id), endRequest(r.id)));
    expect((await rejection(c.request())).code).toBe(Code.NO_RESPONSE_HEAD);
  });

  it('reports a malformed head with the head decoder’s CGI_ERR_* code', async () => {
    const c = await setup((r) => r.connection.send(simpleResponse(r.id, '', 'Status: abc\r\n\r\n')));
    expect((await rejection(c.request())).code).toBe('CGI_ERR_BAD_STATUS');
  });

  it('reports a head larger than maxHeadBytes as CGI_ERR_HEAD_TOO_LARGE', async () => {
    const c = await setup((r) => r.connection.send(stdout(r.id, `X-Big: ${'x'.repeat(3000)}\r\n\r\n`), stdoutEnd(r.id), endRequest(r.id)), { maxHeadBytes: 1024 });
    expect((await rejection(c.request())).code).toBe('CGI_ERR_HEAD_TOO_LARGE');
  });

  it('keeps STDERR apart from STDOUT, including STDERR sent after STDOUT ended', async () => {
    const c = await setup((r) =>
      r.connection.send(stderr(r.id, 'before head\n'), stdout(r.id, 'Status: 200 OK\r\n\r\nout'), stdoutEnd(r.id), stderr(r.id, 'after stdout\n'), stderrEnd(r.id), endRequest(r.id)),
    );
    const res = await c.request();
    expect((await collect(res.body)).toString()).toBe('out');
    expect((await collect(res.stderr)).toString()).toBe('before head\nafter stdout\n');
  });

  it('hands STDERR to onStderr when given, before and after the head', async () => {
    const c = await setup((r) => r.connection.send(stderr(r.id, 'one'), stdout(r.id, 'Status: 200 OK\r\n\r\n'), stdoutEnd(r.id), stderr(r.id, 'two'), endRequest(r.id)));
    const seen: string[] = [];
    const res = await c.request({ onStderr: (chunk) => seen.push(chunk.toString()) });
    await collect(res.body);
    await res.ended;
    expect(seen).toEqual(['one', 'two']);
    expect((await collect(res.stderr)).length).toBe(0);
  });

  it('drops unread STDERR beyond maxStderrBuffer instead of stalling the response', async () => {
    const c = await setup(
      (r) => {
        const parts = [];
        for (let i = 0; i < 40; i++) parts.push(stderr(r.id, 'e'.repeat(1000)));
        r.connection.send(...parts, simpleResponse(r.id, 'done'));
      },
      { maxStderrBuffer: 10_000 },
    );
    const res = await c.request();
    expect((await collect(res.body)).toString()).toBe('done');
    await res.ended;
    expect((await collect(res.stderr)).length).toBe(10_000);
  });
});

describe('END_REQUEST refusals (#45)', () => {
  for (const [status, code, retryable] of [
    [ProtocolStatus.OVERLOADED, Code.OVERLOADED, true],
    [ProtocolStatus.CANT_MPX_CONN, Code.CANT_MPX_CONN, true],
    [ProtocolStatus.UNKNOWN_ROLE, Code.UNKNOWN_ROLE, false],
  ] as const) {
    it(`surfaces protocolStatus ${status} as ${code} (retryable: ${retryable}), never as a response`, async () => {
      const c = await setup((r) => r.connection.send(endRequest(r.id, 0, status)));
      const err = await rejection(c.request());
      expect(err).toBeInstanceOf(FastCgiClientError);
      expect(err.code).toBe(code);
      expect(err.retryable).toBe(retryable);
    });
  }
});

describe('connection reuse', () => {
  it('reuses a connection whose END_REQUEST (padding included) was the last byte read, even when the padding comes later', async () => {
    const c = await setup((r) => {
      const end = endRequest(r.id, 0, 0, 6);
      r.connection.send(stdout(r.id, 'Status: 200 OK\r\n\r\nx'), stdoutEnd(r.id), end.subarray(0, 16));
      setTimeout(() => r.connection.send(end.subarray(16)), 20);
    }, { maxConnections: 1 });
    for (let i = 0; i < 3; i++) {
      const res = await c.request();
      await collect(res.body);
      await res.ended;
    }
    expect(fixture.app?.connections.length).toBe(1);
    expect(fixture.app?.requests.map((r) => r.id)).toEqual([1, 1, 1]);
  });

  it('does not reuse a connection that sent bytes after END_REQUEST (#44, nginx rule)', async () => {
    const c = await setup((r) => r.connection.send(simpleResponse(r.id, 'x'), stderr(r.id, 'late')));
    for (let i = 0; i < 2; i++) {
      const res = await c.request();
      await collect(res.body);
      await res.ended;
    }
    expect(fixture.app?.connections.length).toBe(2);
  });

  it('closes, rather than reuses, a connection whose app answered before the whole body was sent', async () => {
    const c = await setup((r) => r.connection.send(simpleResponse(r.id, 'second')), { maxConnections: 1 });
    const fake = fixture.app as FakeApp;
    const handler = fake.handler;
    // The first request is answered as soon as it begins, while its body is still being produced.
    fake.handler = () => {};
    fake.server.prependOnceListener('connection', (socket) => socket.once('data', () => socket.write(simpleResponse(1, 'early'))));
    async function* slowBody() {
      for (let i = 0; i < 10; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        yield Buffer.alloc(1024, 1);
      }
    }
    const res = await c.request({ body: slowBody(), params: { REQUEST_METHOD: 'POST', CONTENT_LENGTH: '10240' } });
    expect((await collect(res.body)).toString()).toBe('early');
    await res.ended;
    fake.handler = handler;
    const again = await c.request({ params: { REQUEST_METHOD: 'GET' } });
    expect((await collect(again.body)).toString()).toBe('second');
    expect(fake.connections.length).toBe(2);
  });

  it('fails requests on a protocol error: a record type an app never sends', async () => {
    const c = await setup((r) => r.connection.send(fcgiRecord(RecordType.BEGIN_REQUEST, r.id, Buffer.alloc(8))));
    expect((await rejection(c.request())).code).toBe(Code.UNEXPECTED_RECORD);
  });

  it('fails requests on a record for a request id that is not in progress', async () => {
    const c = await setup((r) => r.connection.send(stdout(r.id + 1, 'Status: 200 OK\r\n\r\n')));
    expect((await rejection(c.request())).code).toBe(Code.UNEXPECTED_RECORD);
  });

  it('passes codec errors through (version 2 record)', async () => {
    const c = await setup((r) => r.connection.send(fcgiRecord(RecordType.STDOUT, r.id, 'x', 0, 2)));
    expect((await rejection(c.request())).code).toBe('FCGI_ERR_UNSUPPORTED_VERSION');
  });

  it('fails a request whose connection closes after part of the response (not retryable)', async () => {
    const c = await setup((r) => {
      r.connection.send(stdout(r.id, 'Status: 200 OK\r\n\r\npartial'));
      setTimeout(() => r.connection.socket.destroy(), 20);
    });
    const res = await c.request({ params: { REQUEST_METHOD: 'GET' } });
    const errors: unknown[] = [];
    res.body.on('error', (e) => errors.push(e));
    const ended = await rejection(res.ended);
    expect(ended.code).toBe(Code.CONNECTION_CLOSED);
    expect(ended.retryable).toBe(false);
    expect(res.body.destroyed).toBe(true);
    expect((errors[0] as FastCgiClientError).code).toBe(Code.CONNECTION_CLOSED);
  });
});
