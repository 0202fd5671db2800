import { NULL_EXCHANGE } from '@gw/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingReason } from '../src/binaries.js';
import { patternSha256, sha256 } from '../src/body-pattern.js';
import { disconnectMidDownload } from '../src/client-aborts.js';
import type { EchoDescription } from '../src/echo-app.js';
import { createEchoListener, type EchoListenerApp } from '../src/echo-listener.js';
import type { FrontEnd } from '../src/front-end.js';
import { defineRequestSet } from '../src/front-end-request-set.js';
import { type RunningGatewayApp, reportedProblems, startGatewayApp } from '../src/gateway-app.js';
import { httpRequest } from '../src/http-client.js';
import { startNginx } from '../src/nginx.js';
import { BODY_SIZES, randomBody } from '../src/test-requests.js';

const skip = missingReason('nginx');
const json = (body: Buffer) => JSON.parse(body.toString()) as EchoDescription;

// What a hand-written nginx config sends when it does not include scgi_params: the request line's
// variables, but no `SCGI 1` (nginx itself adds only CONTENT_LENGTH and the HTTP_* headers).
const HAND_WRITTEN_PARAMS = [
  'scgi_param REQUEST_METHOD $request_method;',
  'scgi_param REQUEST_URI $request_uri;',
  'scgi_param QUERY_STRING $query_string;',
  'scgi_param CONTENT_TYPE $content_type;',
];

describe.skipIf(skip !== '')(`SCGI application server behind nginx scgi_pass${skip}`, () => {
  const echo: Record<string, EchoListenerApp> = {};
  const apps: Record<string, RunningGatewayApp> = {};
  let nginx: FrontEnd;
  const app = (name: string) => apps[name] as RunningGatewayApp;

  beforeAll(async () => {
    const start = async (name: string, options: { unixSocket?: boolean; mode?: 'strict' | 'lenient' } = {}) => {
      echo[name] = createEchoListener('scgi');
      apps[name] = await startGatewayApp({
        protocol: 'scgi',
        handler: (echo[name] as EchoListenerApp).listener,
        unixSocket: options.unixSocket,
        server: options.mode ? { mode: options.mode } : {},
      });
    };
    await Promise.all([
      start('tcp'),
      start('unix', { unixSocket: true }),
      start('stream'),
      start('handwritten'),
      start('bare'),
      start('strict', { mode: 'strict' }),
    ]);
    // The CGI "Location without Status" response, written raw through the low-level hook.
    apps.location = await startGatewayApp({
      protocol: 'scgi',
      server: {
        handleRequest: (request) => {
          request.write([Buffer.from('Location: /moved/here\r\nContent-Type: text/plain\r\n\r\nsee /moved/here\n', 'latin1')], true);
          return NULL_EXCHANGE;
        },
      },
    });
    nginx = await startNginx({
      locations: [
        { path: '/tcp/', protocol: 'scgi', upstream: app('tcp').upstream },
        { path: '/unix/', protocol: 'scgi', upstream: app('unix').upstream },
        { path: '/stream/', protocol: 'scgi', upstream: app('stream').upstream, requestBuffering: false, responseBuffering: false },
        { path: '/handwritten/', protocol: 'scgi', upstream: app('handwritten').upstream, includeParams: false, directives: HAND_WRITTEN_PARAMS },
        { path: '/bare/', protocol: 'scgi', upstream: app('bare').upstream, includeParams: false },
        { path: '/strict/', protocol: 'scgi', upstream: app('strict').upstream, includeParams: false, directives: HAND_WRITTEN_PARAMS },
        { path: '/location/', protocol: 'scgi', upstream: app('location').upstream },
      ],
    });
  });

  afterAll(async () => {
    await nginx?.stop();
    await Promise.all(Object.values(apps).map((a) => a.close()));
  });

  const get = (path: string, headers?: Record<string, string>) => httpRequest({ port: nginx.port, path, headers });

  describe('TCP, include scgi_params', () => {
    defineRequestSet({ port: () => nginx.port, app: () => app('tcp'), observer: () => (echo.tcp as EchoListenerApp).observer, base: '/tcp', chunked: 'buffered', manyHeadersBase: '/tcp' });

    it('nginx sends SCGI 1, CONTENT_LENGTH first, and the request line from scgi_params', async () => {
      const res = await get('/tcp/vars?q=1');
      const vars = json(res.body).vars;
      expect(vars).toMatchObject({ SCGI: '1', CONTENT_LENGTH: '0', REQUEST_METHOD: 'GET', REQUEST_URI: '/tcp/vars?q=1', SERVER_PROTOCOL: 'HTTP/1.1' });
      expect(json(res.body).transport).toMatchObject({ scgiMarkerMissing: false });
    });

    it('a connection per request, closed by the app after the response', async () => {
      const before = app('tcp').connections;
      for (let i = 0; i < 4; i++) expect((await get(`/tcp/seq/${i}`)).status).toBe(200);
      expect(app('tcp').connections - before).toBe(4);
    });
  });

  describe('unix socket', () => {
    it('answers a GET', async () => {
      const res = await get('/unix/hello?x=2');
      expect(res.status).toBe(200);
      expect(json(res.body).url).toBe('/unix/hello?x=2');
      // nginx's REMOTE_ADDR is the client's; the adapter's socket is the unix one.
      expect(json(res.body).vars.REMOTE_ADDR).toBe('127.0.0.1');
    });

    it.each([BODY_SIZES.medium, BODY_SIZES.large])('uploads and downloads %i bytes intact', async (size) => {
      const body = randomBody(size);
      const up = await httpRequest({ port: nginx.port, path: '/unix/upload', body });
      expect(json(up.body).body).toEqual({ length: size, sha256: sha256(body) });
      const down = await httpRequest({ port: nginx.port, path: `/unix/download?size=${size}`, keepBody: false });
      expect(down.sha256).toBe(patternSha256(size));
    });
  });

  describe('scgi_request_buffering off, scgi_buffering off', () => {
    it('a chunked upload is still buffered by nginx (SCGI needs CONTENT_LENGTH up front)', async () => {
      const body = randomBody(BODY_SIZES.medium);
      const res = await httpRequest({ port: nginx.port, path: '/stream/chunked', body, chunked: true, writeSize: 16 * 1024 });
      expect(res.status).toBe(200);
      const echoed = json(res.body);
      expect(echoed.contentLength).toBe(String(body.length));
      expect(echoed.body).toEqual({ length: body.length, sha256: sha256(body) });
    });

    // nginx 1.22's SCGI module computes CONTENT_LENGTH from the body bytes it holds when it
    // connects (ngx_http_scgi_create_request sums request_bufs); unbuffered, that is only what it
    // has read so far, while it goes on to send the whole body. Fixed upstream by nginx/nginx#1118
    // (2026), which sends the client's Content-Length instead. The server reads exactly the
    // announced CONTENT_LENGTH bytes (protocol.txt) and drops the rest.
    it('[nginx 1.22 bug, nginx/nginx#1118] unbuffered, nginx announces only the bytes it has read so far; the app reads exactly CONTENT_LENGTH bytes', async () => {
      const body = randomBody(BODY_SIZES.large);
      const res = await httpRequest({ port: nginx.port, path: '/stream/upload', body });
      expect(res.status).toBe(200);
      const echoed = json(res.body);
      const announced = Number(echoed.contentLength);
      console.info(`[interop] nginx scgi_request_buffering off: CONTENT_LENGTH ${announced} for a ${body.length}-byte body`);
      expect(echoed.headers.HTTP_CONTENT_LENGTH).toBe(String(body.length));
      expect(announced).toBeLessThan(body.length);
      expect(echoed.body).toEqual({ length: announced, sha256: sha256(body.subarray(0, announced)) });
      expect((await get('/stream/after-short-length')).status).toBe(200);
    });

    // The server keeps the SCGI connection until its 'close' is processed; between the socket's
    // 'error' (EPIPE/ECONNRESET once nginx dropped it) and that 'close', writeResponse() returns
    // true and GatewaySocket releases every held flush, so res.write() drains at once and a
    // listener that streams in a loop (await 'drain') runs to its end on microtasks, never
    // yielding to the I/O phase where 'close' would abort it: it sees 'finish', not 'close'.
    it("client disconnects mid-download: the app sees the abort", async () => {
      const { response, abort, end } = await disconnectMidDownload({ port: nginx.port, path: '/stream/cut-download', observer: (echo.stream as EchoListenerApp).observer });
      expect(response.disconnected).toBe(true);
      expect(response.status).toBe(200);
      expect(end).toBeNull();
      expect(abort?.sentBytes).toBeGreaterThan(0);
    });

    it('after a client disconnect mid-download, the next request works', async () => {
      const next = await get(`/stream/after-cut-download?size=${BODY_SIZES.medium}`);
      expect(next.status).toBe(200);
      expect(next.sha256).toBe(patternSha256(BODY_SIZES.medium));
    });
  });

  describe('without include scgi_params (no SCGI 1 header)', () => {
    it('lenient mode (default) serves a hand-written config, flags the request and warns once', async () => {
      for (const i of [1, 2]) {
        const res = await get(`/handwritten/hello-${i}?x=1`);
        expect(res.status).toBe(200);
        const echoed = json(res.body);
        expect(echoed.url).toBe(`/handwritten/hello-${i}?x=1`);
        expect(echoed.vars.SCGI).toBeUndefined();
        expect(echoed.transport).toMatchObject({ scgiMarkerMissing: true });
      }
      expect(app('handwritten').warnings.map((w) => w.code)).toEqual(['SCGI_ERR_MISSING_SCGI']);
      expect(reportedProblems(app('handwritten'))).toEqual([]);
    });

    it('lenient mode with no params at all: the server serves it, the adapter answers 400 (no REQUEST_METHOD)', async () => {
      const res = await get('/bare/nothing');
      expect(res.status).toBe(400);
      expect(app('bare').warnings.map((w) => w.code)).toEqual(['SCGI_ERR_MISSING_SCGI']);
      expect(reportedProblems(app('bare'))).toEqual([]);
      expect(app('bare').handlerErrors.map((e) => (e as { code?: string }).code)).toEqual(['GW_ERR_BAD_REQUEST']);
      expect((echo.bare as EchoListenerApp).observer.count('start')).toBe(0);
    });

    it("strict mode refuses it (clientError SCGI_ERR_MISSING_SCGI): nginx answers 502", async () => {
      const res = await get('/strict/hello');
      expect(res.status).toBe(502);
      expect(app('strict').clientErrors.map((e) => e.code)).toEqual(['SCGI_ERR_MISSING_SCGI']);
      expect((echo.strict as EchoListenerApp).observer.count('start')).toBe(0);
    });
  });

  it('a CGI Location without Status becomes a 302 through nginx', async () => {
    const res = await get('/location/go');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/moved/here');
  });

  it('no connection-level errors from the app servers with nginx as the peer', () => {
    const problems = ['tcp', 'unix', 'stream', 'handwritten', 'bare', 'location'].flatMap((name) => reportedProblems(app(name)).map((p) => `${name}: ${p}`));
    expect(problems).toEqual([]);
  });
});
