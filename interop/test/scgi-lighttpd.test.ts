import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingReason } from '../src/binaries.js';
import { patternSha256, sha256 } from '../src/body-pattern.js';
import type { EchoDescription } from '../src/echo-app.js';
import { createEchoListener, type EchoListenerApp } from '../src/echo-listener.js';
import type { FrontEnd } from '../src/front-end.js';
import { defineRequestSet } from '../src/front-end-request-set.js';
import { type RunningGatewayApp, reportedProblems, startGatewayApp } from '../src/gateway-app.js';
import { httpRequest } from '../src/http-client.js';
import { startLighttpd } from '../src/lighttpd.js';
import { BODY_SIZES, randomBody } from '../src/test-requests.js';

const skip = missingReason('lighttpd');
const json = (body: Buffer) => JSON.parse(body.toString()) as EchoDescription;

describe.skipIf(skip !== '')(`SCGI application server behind lighttpd mod_scgi ("protocol" => "scgi")${skip}`, () => {
  const echo: Record<string, EchoListenerApp> = {};
  const apps: Record<string, RunningGatewayApp> = {};
  let lighttpd: FrontEnd;
  const app = (name: string) => apps[name] as RunningGatewayApp;

  beforeAll(async () => {
    const start = async (name: string, unixSocket = false) => {
      echo[name] = createEchoListener('scgi');
      apps[name] = await startGatewayApp({ protocol: 'scgi', handler: (echo[name] as EchoListenerApp).listener, unixSocket });
    };
    await Promise.all([start('tcp'), start('unix', true)]);
    lighttpd = await startLighttpd({
      backends: [
        { path: '/tcp/', protocol: 'scgi', upstream: app('tcp').upstream },
        { path: '/unix/', protocol: 'scgi', upstream: app('unix').upstream },
      ],
    });
  });

  afterAll(async () => {
    await lighttpd?.stop();
    await Promise.all(Object.values(apps).map((a) => a.close()));
  });

  describe('TCP', () => {
    defineRequestSet({ port: () => lighttpd.port, app: () => app('tcp'), observer: () => (echo.tcp as EchoListenerApp).observer, base: '/tcp', chunked: 'buffered', manyHeadersBase: '/tcp' });

    it('lighttpd sends SCGI 1 and CONTENT_LENGTH first', async () => {
      const echoed = json((await httpRequest({ port: lighttpd.port, path: '/tcp/vars?q=1' })).body);
      expect(echoed.vars).toMatchObject({ SCGI: '1', CONTENT_LENGTH: '0', REQUEST_METHOD: 'GET', REQUEST_URI: '/tcp/vars?q=1' });
    });
  });

  it('unix socket: uploads and downloads 10 MiB intact', async () => {
    const body = randomBody(BODY_SIZES.large);
    const up = await httpRequest({ port: lighttpd.port, path: '/unix/upload', body });
    expect(up.status).toBe(200);
    expect(json(up.body).body).toEqual({ length: body.length, sha256: sha256(body) });
    const down = await httpRequest({ port: lighttpd.port, path: `/unix/download?size=${BODY_SIZES.large}`, keepBody: false });
    expect(down.sha256).toBe(patternSha256(BODY_SIZES.large));
  });

  it('no connection-level errors from the app servers with lighttpd as the peer', () => {
    const problems = ['tcp', 'unix'].flatMap((name) => reportedProblems(app(name)).map((p) => `${name}: ${p}`));
    expect(problems).toEqual([]);
  });
});
