import { describe, expect, test } from 'vitest';
import { dispatch, type FetchContext, type FetchHandler } from '@gw/node-http';
import { bodyParams, getParams, serve } from './helpers/exchange.js';
import { cgiParams, FakeSink, headerValues, turns } from './helpers/fake-sink.js';

/** A handler that records the Request it got, answering with `respond`. */
function recorder(respond: (request: Request) => Response | Promise<Response> = () => new Response('ok')) {
  const seen: { request?: Request; context?: FetchContext } = {};
  const handler: FetchHandler = {
    fetch(request, context) {
      seen.request = request;
      seen.context = context;
      return respond(request);
    },
  };
  return { handler, seen };
}

describe('Request', () => {
  test('url, method and headers from the CGI variables; no transfer-encoding', async () => {
    const { handler, seen } = recorder();
    await serve(handler, {
      params: bodyParams('PUT', '/a%20b?c=1', 'text/plain', '', { HTTP_TRANSFER_ENCODING: 'chunked', HTTP_X_FOO: 'bar' }),
      body: ['x'],
    });
    const request = seen.request as Request;
    expect(request.url).toBe('http://example.test/a%20b?c=1');
    expect(request.method).toBe('PUT');
    expect(Object.fromEntries(request.headers)).toEqual({
      'content-type': 'text/plain',
      host: 'example.test',
      'user-agent': 'curl/8.0',
      accept: '*/*',
      'x-foo': 'bar',
    });
    expect(request.duplex).toBe('half');
  });

  test('#88: https when HTTPS=on; host falls back to SERVER_NAME:SERVER_PORT', async () => {
    const { handler, seen } = recorder();
    await serve(handler, { params: cgiParams({ HTTPS: 'on', HTTP_HOST: undefined, SERVER_PORT: '8443' }) });
    expect(seen.request?.url).toBe('https://example.test:8443/path?x=1');
  });

  test('the context carries cgiParams and the peer', async () => {
    const { handler, seen } = recorder();
    await serve(handler);
    expect(seen.context?.cgiParams.get('SERVER_SOFTWARE')).toBe('nginx/1.22.1');
    expect([seen.context?.remoteAddress, seen.context?.remotePort]).toEqual(['192.0.2.10', 54321]);
  });

  test('the body streams the pushed chunks', async () => {
    const r = await serve({ fetch: async (request) => new Response(`got ${await request.text()}`) }, {
      params: bodyParams('POST', '/', 'text/plain', 11),
      body: ['hello', ' ', 'world'],
    });
    expect(r.body.toString()).toBe('got hello world');
  });

  test('GET and HEAD have no body; pushes are ignored', async () => {
    const { handler, seen } = recorder();
    const r = await serve(handler, { params: getParams('/'), body: ['ignored'] });
    expect(seen.request?.body).toBeNull();
    expect(r.status).toBe(200);
  });

  test('body backpressure: pushBody false over the high-water mark, resumeBody when read', async () => {
    const sink = new FakeSink();
    let release: (() => void) | undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const exchange = dispatch(
      {
        async fetch(request) {
          await gate;
          return new Response(`${(await request.arrayBuffer()).byteLength}`);
        },
      },
      bodyParams('POST', '/', 'application/octet-stream', ''),
      sink,
      { bodyHighWaterMark: 1000 },
    );
    await turns(1);
    expect(exchange.pushBody(Buffer.alloc(600))).toBe(true);
    expect(exchange.pushBody(Buffer.alloc(600))).toBe(false);
    expect(sink.resumes).toBe(0);
    release?.();
    await turns(2);
    expect(sink.resumes).toBe(1);
    exchange.endBody();
    await sink.done();
    expect(sink.parse().body.toString()).toBe('1200');
  });

  test('a body nobody read is dropped once the response is sent, and the server is resumed', async () => {
    const sink = new FakeSink();
    const exchange = dispatch({ fetch: () => new Response('early') }, bodyParams('POST', '/', 'text/plain', ''), sink, { bodyHighWaterMark: 10 });
    expect(exchange.pushBody(Buffer.alloc(20))).toBe(false);
    await sink.done();
    expect(sink.resumes).toBe(1);
    expect(exchange.pushBody(Buffer.alloc(20))).toBe(true);
    exchange.endBody();
    expect(sink.parse().body.toString()).toBe('early');
  });

  test('abort: request.signal aborts and the body errors with ECONNRESET; nothing is written', async () => {
    const sink = new FakeSink();
    const seen: string[] = [];
    const exchange = dispatch(
      {
        async fetch(request) {
          request.signal.addEventListener('abort', () => seen.push(`signal:${(request.signal.reason as NodeJS.ErrnoException).code}`));
          try {
            await request.text();
          } catch (error) {
            seen.push(`body:${(error as NodeJS.ErrnoException).code}`);
          }
          return new Response('too late');
        },
      },
      bodyParams('POST', '/', 'text/plain', 100),
      sink,
    );
    exchange.pushBody(Buffer.from('part'));
    await turns(1);
    exchange.abort();
    await turns();
    expect(seen.sort()).toEqual(['body:ECONNRESET', 'signal:ECONNRESET']);
    expect(sink.writes).toEqual([]);
    expect(sink.aborts).toEqual([]);
  });

  test('a Request the Fetch standard refuses (bad host) is a 400 reported to onError', async () => {
    const errors: unknown[] = [];
    const { handler, seen } = recorder();
    const r = await serve(handler, { params: cgiParams({ HTTP_HOST: 'bad host' }), dispatchOptions: { onError: (e) => errors.push(e) } });
    expect(r.status).toBe(400);
    expect(seen.request).toBeUndefined();
    expect(errors).toHaveLength(1);
  });
});

describe('Response', () => {
  test('a small response is one sink write with end', async () => {
    const r = await serve({ fetch: () => new Response('hello world!\n', { headers: { 'content-type': 'text/plain' } }) });
    expect(r.sink.writes).toHaveLength(1);
    expect(r.sink.writes[0]?.end).toBe(true);
    expect(r.sink.bytes.toString()).toBe('Status: 200 OK\r\ncontent-type: text/plain\r\n\r\nhello world!\n');
  });

  test('uwsgi sinks get an HTTP status line', async () => {
    const r = await serve({ fetch: () => new Response('x', { status: 201 }) }, { headFormat: 'http' });
    expect(r.statusLine).toBe('HTTP/1.1 201 Created');
  });

  test('status text: given, or the standard phrase', async () => {
    expect((await serve({ fetch: () => new Response(null, { status: 404, statusText: 'Gone fishing' }) })).statusLine).toBe('Status: 404 Gone fishing');
    expect((await serve({ fetch: () => new Response(null, { status: 404 }) })).statusLine).toBe('Status: 404 Not Found');
  });

  test('Set-Cookie lines stay separate; connection fields are dropped', async () => {
    const r = await serve({
      fetch() {
        const headers = new Headers([['set-cookie', 'a=1'], ['set-cookie', 'b=2'], ['connection', 'close'], ['transfer-encoding', 'chunked'], ['x-kept', '1']]);
        return new Response('body', { headers });
      },
    });
    expect(headerValues(r, 'set-cookie')).toEqual(['a=1', 'b=2']);
    expect(headerValues(r, 'connection')).toEqual([]);
    expect(headerValues(r, 'transfer-encoding')).toEqual([]);
    expect(headerValues(r, 'x-kept')).toEqual(['1']);
    expect(r.body.toString()).toBe('body');
  });

  test('HEAD, 204 and 304 carry no body', async () => {
    const withBody = { fetch: () => new Response('not sent', { headers: { 'content-length': '8' } }) };
    const head = await serve(withBody, { params: getParams('/', { REQUEST_METHOD: 'HEAD' }) });
    expect([head.body.length, headerValues(head, 'content-length')]).toEqual([0, ['8']]);
    for (const status of [204, 304]) {
      const r = await serve({ fetch: () => new Response(null, { status }) });
      expect([r.status, r.body.length]).toEqual([status, 0]);
    }
  });

  test('a slow stream goes out as it is produced', async () => {
    const sink = new FakeSink();
    let push: ((s: string) => void) | undefined;
    let close: (() => void) | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (s) => controller.enqueue(new TextEncoder().encode(s));
        close = () => controller.close();
      },
    });
    dispatch({ fetch: () => new Response(body, { headers: { 'content-type': 'text/event-stream' } }) }, cgiParams(), sink).endBody();
    await turns();
    expect(sink.writes).toHaveLength(1); // the head, alone, while the body has nothing yet
    expect(sink.bytes.toString()).toBe('Status: 200 OK\r\ncontent-type: text/event-stream\r\n\r\n');
    push?.('data: 1\n\n');
    await turns();
    expect(sink.writes).toHaveLength(2);
    expect(sink.writes[1]?.chunks.map(String)).toEqual(['data: 1\n\n']);
    push?.('data: 2\n\n');
    close?.();
    await sink.done();
    expect(sink.parse().body.toString()).toBe('data: 1\n\ndata: 2\n\n');
  });

  test('a full sink pauses the body until drain', async () => {
    const sink = new FakeSink();
    sink.full = true;
    let pulls = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls++;
        controller.enqueue(new Uint8Array(40_000));
        if (pulls === 5) controller.close();
      },
    }, { highWaterMark: 0 });
    const exchange = dispatch({ fetch: () => new Response(body) }, cgiParams(), sink);
    await turns(4);
    const writesWhileFull = sink.writes.length;
    const pullsWhileFull = pulls;
    expect(writesWhileFull).toBe(1);
    expect(pullsWhileFull).toBeLessThan(5);
    sink.full = false;
    exchange.drain();
    await sink.done();
    expect(sink.parse().body.length).toBe(200_000);
  });

  test('a handler that throws, or returns something else, gets a 500 reported to onError', async () => {
    for (const fetch of [
      () => {
        throw new Error('sync');
      },
      async () => {
        throw new Error('async');
      },
      () => 'not a response' as unknown as Response,
    ]) {
      const errors: unknown[] = [];
      const r = await serve({ fetch }, { dispatchOptions: { onError: (e) => errors.push(e) } });
      expect(r.status).toBe(500);
      expect(r.body.toString()).toBe('Internal Server Error');
      expect(errors).toHaveLength(1);
    }
  });

  test('a body stream that fails after the head aborts the sink', async () => {
    const sink = new FakeSink();
    const errors: unknown[] = [];
    let fail: ((e: Error) => void) | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array([1]));
        fail = (e) => controller.error(e);
      },
    });
    dispatch({ fetch: () => new Response(body) }, cgiParams(), sink, { onError: (e) => errors.push(e) });
    await turns();
    fail?.(new Error('stream broke'));
    await sink.done();
    expect(sink.aborts).toHaveLength(1);
    expect(sink.ended).toBe(false);
    expect(errors).toHaveLength(1);
  });

  test('abort while streaming cancels the body and stops writing', async () => {
    const sink = new FakeSink();
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      // A pull still pending when the body is cancelled must not enqueue into the closed stream.
      pull: (controller) => new Promise((resolve) => setTimeout(() => {
        if (!cancelled) controller.enqueue(new Uint8Array(10));
        resolve();
      }, 5)),
      cancel: () => {
        cancelled = true;
      },
    });
    const exchange = dispatch({ fetch: () => new Response(body) }, cgiParams(), sink);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const writes = sink.writes.length;
    exchange.abort();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(cancelled).toBe(true);
    expect(sink.writes.length).toBe(writes);
    expect(sink.aborts).toEqual([]);
  });
});
