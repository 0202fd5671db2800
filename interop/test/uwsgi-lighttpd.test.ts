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
import { BODY_SIZES, manyHeaders, randomBody } from '../src/test-requests.js';

const skip = missingReason('lighttpd');
const json = (body: Buffer) => JSON.parse(body.toString()) as EchoDescription;

describe.skipIf(skip !== '')(`uwsgi application server behind lighttpd mod_scgi ("protocol" => "uwsgi")${skip}`, () => {
  const echo: Record<string, EchoListenerApp> = {};
  const apps: Record<string, RunningGatewayApp> = {};
  let lighttpd: FrontEnd;
  const app = (name: string) => apps[name] as RunningGatewayApp;

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
    await Promise.all([start('tcp'), start('unix', { unixSocket: true }), start('small'), start('big', { maxVarsBytes: 65535 })]);
    lighttpd = await startLighttpd({
      backends: ['tcp', 'unix', 'small', 'big'].map((name) => ({ path: `/${name}/`, protocol: 'uwsgi' as const, upstream: app(name).upstream })),
    });
  });

  afterAll(async () => {
    await lighttpd?.stop();
    await Promise.all(Object.values(apps).map((a) => a.close()));
  });

  describe('TCP', () => {
    defineRequestSet({ port: () => lighttpd.port, app: () => app('tcp'), observer: () => (echo.tcp as EchoListenerApp).observer, base: '/tcp', chunked: 'buffered', manyHeadersBase: '/big' });
  });

  it('unix socket: uploads and downloads 10 MiB intact', async () => {
    const body = randomBody(BODY_SIZES.large);
    const up = await httpRequest({ port: lighttpd.port, path: '/unix/upload', body });
    expect(up.status).toBe(200);
    expect(json(up.body).body).toEqual({ length: body.length, sha256: sha256(body) });
    const down = await httpRequest({ port: lighttpd.port, path: `/unix/download?size=${BODY_SIZES.large}`, keepBody: false });
    expect(down.sha256).toBe(patternSha256(BODY_SIZES.large));
  });

  // lighttpd 1.4.69 answers 500 (and logs nothing at its default level) when the backend resets
  // the connection before any response byte; nginx answers 502 for the same.
  it('60 headers with a 6 KiB cookie and the default maxVarsBytes (4096): refused (UWSGI_ERR_VARS_TOO_LARGE), lighttpd answers 500', async () => {
    const res = await httpRequest({ port: lighttpd.port, path: '/small/headers', headers: manyHeaders(60, 6 * 1024) });
    expect(res.status).toBe(500);
    expect(app('small').clientErrors.map((e) => e.code)).toEqual(['UWSGI_ERR_VARS_TOO_LARGE']);
    expect((await httpRequest({ port: lighttpd.port, path: '/small/ordinary' })).status).toBe(200);
  });

  it('no connection-level errors from the app servers with lighttpd as the peer (the refused vars block aside)', () => {
    const problems = ['tcp', 'unix', 'big'].flatMap((name) => reportedProblems(app(name)).map((p) => `${name}: ${p}`));
    expect(problems).toEqual([]);
  });
});
