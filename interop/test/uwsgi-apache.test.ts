import { NULL_EXCHANGE } from '@gw/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApache } from '../src/apache.js';
import { missingReason } from '../src/binaries.js';
import { patternSha256, sha256 } from '../src/body-pattern.js';
import { disconnectMidDownload, disconnectMidUpload } from '../src/client-aborts.js';
import type { EchoDescription } from '../src/echo-app.js';
import { createEchoListener, type EchoListenerApp } from '../src/echo-listener.js';
import type { FrontEnd } from '../src/front-end.js';
import { defineRequestSet } from '../src/front-end-request-set.js';
import { type RunningGatewayApp, reportedProblems, startGatewayApp } from '../src/gateway-app.js';
import { httpRequest } from '../src/http-client.js';
import { BODY_SIZES, manyHeaders, randomBody } from '../src/test-requests.js';

const skip = missingReason('apache2');
const json = (body: Buffer) => JSON.parse(body.toString()) as EchoDescription;

describe.skipIf(skip !== '')(`uwsgi application server behind Apache mod_proxy_uwsgi${skip}`, () => {
  const echo: Record<string, EchoListenerApp> = {};
  const apps: Record<string, RunningGatewayApp> = {};
  let apache: FrontEnd;
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
    await Promise.all([start('tcp'), start('unix', { unixSocket: true }), start('small'), start('big', { maxVarsBytes: 65535 }), start('cut')]);
    // A CGI-style head (`Status:` first) instead of a status line, written raw through the hook.
    apps.cgihead = await startGatewayApp({
      protocol: 'uwsgi',
      server: {
        handleRequest: (request) => {
          request.write([Buffer.from('Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nhello\n', 'latin1')], true);
          return NULL_EXCHANGE;
        },
      },
    });
    apache = await startApache({
      routes: ['tcp', 'unix', 'small', 'big', 'cut', 'cgihead'].map((name) => ({ path: `/${name}/`, protocol: 'uwsgi' as const, upstream: app(name).upstream })),
    });
  });

  afterAll(async () => {
    await apache?.stop();
    await Promise.all(Object.values(apps).map((a) => a.close()));
  });

  const get = (path: string, headers?: Record<string, string>) => httpRequest({ port: apache.port, path, headers });

  describe('TCP', () => {
    defineRequestSet({ port: () => apache.port, app: () => app('tcp'), observer: () => (echo.tcp as EchoListenerApp).observer, base: '/tcp', chunked: 'refused', manyHeadersBase: '/big' });

    it('the HTTP/1.1 status line gw sends is accepted; a CGI `Status:` head is a 502 (mod_proxy_uwsgi needs a status line)', async () => {
      const ok = await get('/tcp/teapot?status=418');
      expect(ok.status).toBe(418);
      expect(app('tcp').heads.lastFirstLine()).toBe("HTTP/1.1 418 I'm a Teapot");
      const cgi = await get('/cgihead/x');
      expect(cgi.status).toBe(502);
      expect(app('cgihead').heads.lastFirstLine()).toBe('Status: 200 OK');
    });
  });

  describe('unix socket (unix:PATH|uwsgi://localhost/)', () => {
    it('answers a GET', async () => {
      const res = await get('/unix/hello?x=2');
      expect(res.status).toBe(200);
      expect(json(res.body).url).toBe('/unix/hello?x=2');
    });

    it('uploads and downloads 10 MiB intact', async () => {
      const body = randomBody(BODY_SIZES.large);
      const up = await httpRequest({ port: apache.port, path: '/unix/upload', body });
      expect(json(up.body).body).toEqual({ length: body.length, sha256: sha256(body) });
      const down = await httpRequest({ port: apache.port, path: `/unix/download?size=${BODY_SIZES.large}`, keepBody: false });
      expect(down.sha256).toBe(patternSha256(BODY_SIZES.large));
    });
  });

  // mod_proxy_uwsgi answers 500, not 502, when the backend closes without a response line
  // (uwsgi_response: "invalid or empty" first line → HTTP_INTERNAL_SERVER_ERROR).
  it('60 headers with a 6 KiB cookie and the default maxVarsBytes (4096): refused (UWSGI_ERR_VARS_TOO_LARGE), Apache answers 500', async () => {
    const res = await get('/small/headers', manyHeaders(60, 6 * 1024));
    expect(res.status).toBe(500);
    expect(app('small').clientErrors.map((e) => e.code)).toEqual(['UWSGI_ERR_VARS_TOO_LARGE']);
    expect(observer('small').count('start')).toBe(0);
    expect((await get('/small/ordinary')).status).toBe(200);
  });

  describe('client disconnects (Apache streams both ways)', () => {
    it('mid-upload: the app sees the abort, and the next request works', async () => {
      const { response, abort, end } = await disconnectMidUpload({ port: apache.port, path: '/cut/cut-upload', observer: observer('cut') });
      expect(response.disconnected).toBe(true);
      expect(end).toBeNull();
      expect(abort?.bodyBytes).toBeGreaterThan(0);
      expect((await get('/cut/after-cut-upload')).status).toBe(200);
    });

    it("mid-download: the app sees the abort", async () => {
      const { response, abort, end } = await disconnectMidDownload({ port: apache.port, path: '/cut/cut-download', observer: observer('cut') });
      expect(response.disconnected).toBe(true);
      expect(end).toBeNull();
      expect(abort?.sentBytes).toBeGreaterThan(0);
    });

    it('after a client disconnect mid-download, the next request works', async () => {
      const next = await get(`/cut/after-cut-download?size=${BODY_SIZES.medium}`);
      expect(next.sha256).toBe(patternSha256(BODY_SIZES.medium));
    });
  });

  it('no connection-level errors from the app servers with Apache as the peer, but the documented ones', () => {
    const problems = ['tcp', 'unix', 'big', 'cut'].flatMap((name) => reportedProblems(app(name)).map((p) => `${name}: ${p}`));
    // The cut upload: Apache drops the connection before CONTENT_LENGTH bytes (docs/errors.md).
    expect(problems).toEqual(['cut: clientError UWSGI_ERR_INCOMPLETE_BODY']);
  });
});
