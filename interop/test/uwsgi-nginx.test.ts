import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingReason } from '../src/binaries.js';
import { patternSha256, sha256 } from '../src/body-pattern.js';
import { disconnectMidDownload, disconnectMidUpload } from '../src/client-aborts.js';
import type { EchoDescription } from '../src/echo-app.js';
import { createEchoListener, type EchoListenerApp } from '../src/echo-listener.js';
import type { FrontEnd } from '../src/front-end.js';
import { defineRequestSet } from '../src/front-end-request-set.js';
import { type RunningGatewayApp, reportedProblems, startGatewayApp } from '../src/gateway-app.js';
import { httpRequest } from '../src/http-client.js';
import { startNginx } from '../src/nginx.js';
import { BODY_SIZES, manyHeaders, randomBody } from '../src/test-requests.js';

const skip = missingReason('nginx');
const json = (body: Buffer) => JSON.parse(body.toString()) as EchoDescription;

describe.skipIf(skip !== '')(`uwsgi application server behind nginx uwsgi_pass${skip}`, () => {
  const echo: Record<string, EchoListenerApp> = {};
  const apps: Record<string, RunningGatewayApp> = {};
  let nginx: FrontEnd;
  const app = (name: string) => apps[name] as RunningGatewayApp;
  const observer = (name: string) => (echo[name] as EchoListenerApp).observer;

  beforeAll(async () => {
    const start = async (name: string, options: { unixSocket?: boolean; maxVarsBytes?: number } = {}) => {
      echo[name] = createEchoListener('uwsgi');
      apps[name] = await startGatewayApp({
        protocol: 'uwsgi',
        handler: (echo[name] as EchoListenerApp).listener,
        unixSocket: options.unixSocket,
        server: options.maxVarsBytes ? { maxVarsBytes: options.maxVarsBytes } : {},
      });
    };
    await Promise.all([
      start('tcp'),
      start('unix', { unixSocket: true }),
      start('small'), // default maxVarsBytes (4096, uWSGI's buffer-size)
      start('big', { maxVarsBytes: 65535 }),
      start('stream'),
      start('mod30'),
    ]);
    nginx = await startNginx({
      locations: [
        { path: '/tcp/', protocol: 'uwsgi', upstream: app('tcp').upstream },
        { path: '/unix/', protocol: 'uwsgi', upstream: app('unix').upstream },
        { path: '/small/', protocol: 'uwsgi', upstream: app('small').upstream },
        { path: '/big/', protocol: 'uwsgi', upstream: app('big').upstream },
        { path: '/stream/', protocol: 'uwsgi', upstream: app('stream').upstream, requestBuffering: false, responseBuffering: false },
        // uwsgi_params has no SCRIPT_NAME; a mount point sets one, and modifier1 30 asks the app
        // to take it off PATH_INFO (uWSGI's "manage PATH_INFO").
        { path: '/mod30/', protocol: 'uwsgi', upstream: app('mod30').upstream, directives: ['uwsgi_param SCRIPT_NAME /mod30;', 'uwsgi_modifier1 30;'] },
      ],
    });
  });

  afterAll(async () => {
    await nginx?.stop();
    await Promise.all(Object.values(apps).map((a) => a.close()));
  });

  const get = (path: string, headers?: Record<string, string>) => httpRequest({ port: nginx.port, path, headers });

  describe('TCP, include uwsgi_params', () => {
    defineRequestSet({ port: () => nginx.port, app: () => app('tcp'), observer: () => (echo.tcp as EchoListenerApp).observer, base: '/tcp', chunked: 'buffered', manyHeadersBase: '/big' });

    it('the response starts with an HTTP/1.1 status line (what uWSGI sends, and Apache requires)', async () => {
      const res = await get('/tcp/teapot?status=418');
      expect(res.status).toBe(418);
      expect(app('tcp').heads.lastFirstLine()).toBe("HTTP/1.1 418 I'm a Teapot");
    });

    it('modifier1 0 by default: PATH_INFO is the whole document URI', async () => {
      const echoed = json((await get('/tcp/sub/path?q=1')).body);
      expect(echoed.transport).toMatchObject({ modifier1: 0, modifier2: 0 });
      expect(echoed.vars.PATH_INFO).toBe('/tcp/sub/path');
    });
  });

  describe('unix socket', () => {
    it('answers a GET', async () => {
      const res = await get('/unix/hello?x=2');
      expect(res.status).toBe(200);
      expect(json(res.body).url).toBe('/unix/hello?x=2');
    });

    it.each([BODY_SIZES.medium, BODY_SIZES.large])('uploads and downloads %i bytes intact', async (size) => {
      const body = randomBody(size);
      const up = await httpRequest({ port: nginx.port, path: '/unix/upload', body });
      expect(json(up.body).body).toEqual({ length: size, sha256: sha256(body) });
      const down = await httpRequest({ port: nginx.port, path: `/unix/download?size=${size}`, keepBody: false });
      expect(down.sha256).toBe(patternSha256(size));
    });
  });

  describe('60 headers with a 6 KiB cookie: a vars block over 4096 bytes', () => {
    it('default maxVarsBytes (4096, as uWSGI): refused with UWSGI_ERR_VARS_TOO_LARGE, nginx answers 502', async () => {
      const res = await get('/small/headers', manyHeaders(60, 6 * 1024));
      expect(res.status).toBe(502);
      expect(app('small').clientErrors.map((e) => e.code)).toEqual(['UWSGI_ERR_VARS_TOO_LARGE']);
      expect(observer('small').count('start')).toBe(0);
      // The same app still serves an ordinary request.
      expect((await get('/small/ordinary')).status).toBe(200);
    });

    it('maxVarsBytes 65535: served (the 60-header echo is in the request set above, via /big)', async () => {
      const res = await get('/big/headers-again', manyHeaders(60, 6 * 1024));
      expect(res.status).toBe(200);
      expect(json(res.body).headers.HTTP_COOKIE).toHaveLength(6 * 1024);
    });
  });

  describe('uwsgi_modifier1 30 with a SCRIPT_NAME', () => {
    it('the app sees PATH_INFO without the SCRIPT_NAME prefix; the URL is unchanged', async () => {
      const res = await get('/mod30/sub/path?q=1');
      expect(res.status).toBe(200);
      const echoed = json(res.body);
      expect(echoed.transport).toMatchObject({ modifier1: 30 });
      expect(echoed.vars.SCRIPT_NAME).toBe('/mod30');
      expect(echoed.vars.PATH_INFO).toBe('/sub/path');
      expect(echoed.url).toBe('/mod30/sub/path?q=1');
    });

    it('a PATH_INFO that is just the SCRIPT_NAME becomes empty', async () => {
      // nginx's location is /mod30/, so /mod30/ is the shortest URI routed here: PATH_INFO "/".
      const echoed = json((await get('/mod30/')).body);
      expect(echoed.vars.PATH_INFO).toBe('/');
    });
  });

  describe('uwsgi_request_buffering off, uwsgi_buffering off', () => {
    it('a chunked upload is still buffered by nginx (uwsgi needs CONTENT_LENGTH up front)', async () => {
      const body = randomBody(BODY_SIZES.medium);
      const res = await httpRequest({ port: nginx.port, path: '/stream/chunked', body, chunked: true, writeSize: 16 * 1024 });
      expect(res.status).toBe(200);
      const echoed = json(res.body);
      expect(echoed.contentLength).toBe(String(body.length));
      expect(echoed.body).toEqual({ length: body.length, sha256: sha256(body) });
    });

    it('a 10 MiB upload with Content-Length streams through intact', async () => {
      const body = randomBody(BODY_SIZES.large);
      const res = await httpRequest({ port: nginx.port, path: '/stream/upload', body });
      expect(json(res.body).body).toEqual({ length: body.length, sha256: sha256(body) });
    });

    it('client disconnects mid-upload: the app sees the abort, and the next request works', async () => {
      const { response, abort, end } = await disconnectMidUpload({ port: nginx.port, path: '/stream/cut-upload', observer: observer('stream') });
      expect(response.disconnected).toBe(true);
      expect(end).toBeNull();
      expect(abort?.bodyBytes).toBeGreaterThan(0);
      const next = await get('/stream/after-cut-upload');
      expect(next.status).toBe(200);
      expect(json(next.body).url).toBe('/stream/after-cut-upload');
    });

    // See scgi-nginx.test.ts: the connection code is shared (@gw/core SingleRequestConnection).
    it("client disconnects mid-download: the app sees the abort", async () => {
      const { response, abort, end } = await disconnectMidDownload({ port: nginx.port, path: '/stream/cut-download', observer: observer('stream') });
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

  it('no connection-level errors from the app servers with nginx as the peer, but the documented ones', () => {
    const problems = ['tcp', 'unix', 'big', 'stream', 'mod30'].flatMap((name) => reportedProblems(app(name)).map((p) => `${name}: ${p}`));
    // uwsgi has no abort message: nginx dropping the connection before CONTENT_LENGTH bytes is
    // how the server learns the client left mid-upload, reported as documented (docs/errors.md).
    expect(problems).toEqual(['stream: clientError UWSGI_ERR_INCOMPLETE_BODY']);
  });
});
