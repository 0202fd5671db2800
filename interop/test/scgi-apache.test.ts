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
import { BODY_SIZES, randomBody } from '../src/test-requests.js';

const skip = missingReason('apache2');
const json = (body: Buffer) => JSON.parse(body.toString()) as EchoDescription;

describe.skipIf(skip !== '')(`SCGI application server behind Apache mod_proxy_scgi${skip}`, () => {
  const echo: Record<string, EchoListenerApp> = {};
  const apps: Record<string, RunningGatewayApp> = {};
  let apache: FrontEnd;
  const app = (name: string) => apps[name] as RunningGatewayApp;
  const observer = (name: string) => (echo[name] as EchoListenerApp).observer;

  beforeAll(async () => {
    const start = async (name: string, unixSocket = false) => {
      echo[name] = createEchoListener('scgi');
      apps[name] = await startGatewayApp({ protocol: 'scgi', handler: (echo[name] as EchoListenerApp).listener, unixSocket });
    };
    await Promise.all([start('tcp'), start('unix', true), start('cut')]);
    apache = await startApache({
      routes: [
        { path: '/tcp/', protocol: 'scgi', upstream: app('tcp').upstream },
        { path: '/unix/', protocol: 'scgi', upstream: app('unix').upstream },
        { path: '/cut/', protocol: 'scgi', upstream: app('cut').upstream },
      ],
    });
  });

  afterAll(async () => {
    await apache?.stop();
    await Promise.all(Object.values(apps).map((a) => a.close()));
  });

  const get = (path: string) => httpRequest({ port: apache.port, path });

  describe('TCP', () => {
    defineRequestSet({ port: () => apache.port, app: () => app('tcp'), observer: () => (echo.tcp as EchoListenerApp).observer, base: '/tcp', chunked: 'refused', manyHeadersBase: '/tcp' });

    it('Apache sends SCGI 1 and CONTENT_LENGTH, and the original REQUEST_URI', async () => {
      const echoed = json((await get('/tcp/vars?q=1')).body);
      expect(echoed.vars).toMatchObject({ SCGI: '1', CONTENT_LENGTH: '0', REQUEST_METHOD: 'GET', REQUEST_URI: '/tcp/vars?q=1' });
      expect(echoed.transport).toMatchObject({ scgiMarkerMissing: false });
    });
  });

  describe('unix socket (unix:PATH|scgi://localhost/)', () => {
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
    const problems = ['tcp', 'unix', 'cut'].flatMap((name) => reportedProblems(app(name)).map((p) => `${name}: ${p}`));
    // SCGI has no abort message: Apache dropping the connection before CONTENT_LENGTH bytes is how
    // the server learns the client left mid-upload, reported as documented (docs/errors.md).
    expect(problems).toEqual(['cut: clientError SCGI_ERR_INCOMPLETE_BODY']);
  });
});
