import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionProblems, type RunningFastCgiApp, startFastCgiApp } from '../src/app-server.js';
import { missingReason } from '../src/binaries.js';
import { patternSha256, sha256 } from '../src/body-pattern.js';
import { cgiEnvironment, runCgiFcgi } from '../src/cgi-fcgi.js';
import type { EchoDescription } from '../src/echo-app.js';
import { BODY_SIZES, manyHeaders, randomBody } from '../src/test-requests.js';

const skip = missingReason('cgi-fcgi');

describe.skipIf(skip !== '')(`FastCGI application server driven by libfcgi cgi-fcgi -bind -connect${skip}`, () => {
  let tcp: RunningFastCgiApp;
  let unix: RunningFastCgiApp;

  beforeAll(async () => {
    [tcp, unix] = await Promise.all([startFastCgiApp(), startFastCgiApp({ unixSocket: true })]);
  });

  afterAll(async () => {
    await Promise.all([tcp?.close(), unix?.close()]);
  });

  const json = (body: Buffer) => JSON.parse(body.toString()) as EchoDescription;

  it.each(['tcp', 'unix'] as const)('answers a GET over %s', async (via) => {
    const app = via === 'tcp' ? tcp : unix;
    const result = await runCgiFcgi({ connect: app.upstream, env: cgiEnvironment({ method: 'GET', uri: '/cgi/hello?x=1', headers: { 'X-Probe': 'yes' } }) });
    expect(result.code).toBe(0);
    expect(result.response?.status).toBe(200);
    const echo = json(result.response?.body ?? Buffer.alloc(0));
    expect(echo.method).toBe('GET');
    expect(echo.url).toBe('/cgi/hello?x=1');
    expect(echo.headers.HTTP_X_PROBE).toBe('yes');
    expect(echo.transport).toMatchObject({ requestId: 1, keepConn: false });
  });

  it.each([BODY_SIZES.empty, BODY_SIZES.tiny, BODY_SIZES.medium])('uploads a body of %i bytes from stdin', async (size) => {
    const body = randomBody(size);
    const result = await runCgiFcgi({ connect: tcp.upstream, env: cgiEnvironment({ method: 'POST', uri: '/cgi/upload', body }), body });
    expect(result.code).toBe(0);
    const echo = json(result.response?.body ?? Buffer.alloc(0));
    expect(echo.contentLength).toBe(String(size));
    expect(echo.body).toEqual({ length: size, sha256: sha256(body) });
  });

  it('downloads 200 KiB', async () => {
    const result = await runCgiFcgi({ connect: tcp.upstream, env: cgiEnvironment({ method: 'GET', uri: `/cgi/download?size=${BODY_SIZES.medium}` }) });
    expect(result.code).toBe(0);
    expect(result.response?.body.length).toBe(BODY_SIZES.medium);
    expect(sha256(result.response?.body ?? Buffer.alloc(0))).toBe(patternSha256(BODY_SIZES.medium));
  });

  it('relays status and STDERR', async () => {
    const result = await runCgiFcgi({ connect: tcp.upstream, env: cgiEnvironment({ method: 'GET', uri: '/cgi/teapot?status=418&stderr=1' }) });
    expect(result.response?.status).toBe(418);
    expect(result.stderr).toContain('echo-app stderr for /cgi/teapot?status=418&stderr=1');
  });

  it('passes 60 headers including a 6 KiB cookie (PARAMS split over 8 KiB records)', async () => {
    const headers = manyHeaders(60, 6 * 1024);
    const result = await runCgiFcgi({ connect: tcp.upstream, env: cgiEnvironment({ method: 'GET', uri: '/cgi/headers', headers }) });
    const echo = json(result.response?.body ?? Buffer.alloc(0));
    for (const [name, value] of Object.entries(headers)) {
      expect(echo.headers[`HTTP_${name.toUpperCase().replace(/-/g, '_')}`]).toBe(value);
    }
  });

  it('no connection-level errors with cgi-fcgi as the peer', () => {
    for (const app of [tcp, unix]) expect(connectionProblems(app)).toEqual([]);
  });
});
