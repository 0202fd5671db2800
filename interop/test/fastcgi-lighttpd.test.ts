import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionProblems, type RunningFastCgiApp, startFastCgiApp } from '../src/app-server.js';
import { missingReason } from '../src/binaries.js';
import { patternSha256, sha256 } from '../src/body-pattern.js';
import type { EchoDescription } from '../src/echo-app.js';
import type { FrontEnd } from '../src/front-end.js';
import { httpRequest } from '../src/http-client.js';
import { startLighttpd } from '../src/lighttpd.js';
import { BODY_SIZES, manyHeaders, randomBody } from '../src/test-requests.js';

const skip = missingReason('lighttpd');

describe.skipIf(skip !== '')(`FastCGI application server behind lighttpd mod_fastcgi${skip}`, () => {
  let tcp: RunningFastCgiApp;
  let unix: RunningFastCgiApp;
  let lighttpd: FrontEnd;

  beforeAll(async () => {
    [tcp, unix] = await Promise.all([startFastCgiApp(), startFastCgiApp({ unixSocket: true })]);
    lighttpd = await startLighttpd({
      backends: [
        { path: '/fcgi/', protocol: 'fastcgi', upstream: tcp.upstream },
        { path: '/unix/', protocol: 'fastcgi', upstream: unix.upstream },
      ],
    });
  });

  afterAll(async () => {
    await lighttpd?.stop();
    await Promise.all([tcp?.close(), unix?.close()]);
  });

  const get = (path: string, headers?: Record<string, string>) => httpRequest({ port: lighttpd.port, path, headers });
  const json = (body: Buffer) => JSON.parse(body.toString()) as EchoDescription;

  it.each(['fcgi', 'unix'])('answers a GET (%s)', async (via) => {
    const res = await get(`/${via}/hello?x=1`, { 'X-Probe': 'yes' });
    expect(res.status).toBe(200);
    const echo = json(res.body);
    expect(echo.method).toBe('GET');
    expect(echo.url).toBe(`/${via}/hello?x=1`);
    expect(echo.headers.HTTP_X_PROBE).toBe('yes');
    expect(echo.transport).toMatchObject({ requestId: 1, keepConn: false });
  });

  it.each(Object.entries(BODY_SIZES))('uploads a %s body intact', async (_name, size) => {
    const body = randomBody(size);
    const res = await httpRequest({ port: lighttpd.port, path: '/fcgi/upload', body });
    expect(res.status).toBe(200);
    const echo = json(res.body);
    expect(echo.contentLength).toBe(String(size));
    expect(echo.body).toEqual({ length: size, sha256: sha256(body) });
  });

  it.each(Object.entries(BODY_SIZES))('downloads a %s body intact', async (_name, size) => {
    const res = await httpRequest({ port: lighttpd.port, path: `/fcgi/download?size=${size}`, keepBody: false });
    expect(res.status).toBe(200);
    expect(res.length).toBe(size);
    expect(res.sha256).toBe(patternSha256(size));
  });

  it('buffers a chunked upload and sends it with a CONTENT_LENGTH', async () => {
    const body = randomBody(BODY_SIZES.medium);
    const res = await httpRequest({ port: lighttpd.port, path: '/fcgi/chunked', body, chunked: true, writeSize: 8 * 1024 });
    expect(res.status).toBe(200);
    const echo = json(res.body);
    expect(echo.contentLength).toBe(String(body.length));
    expect(echo.body).toEqual({ length: body.length, sha256: sha256(body) });
  });

  it('passes 60 request headers including a 6 KiB cookie', async () => {
    const headers = manyHeaders(60, 6 * 1024);
    const res = await get('/fcgi/headers', headers);
    expect(res.status).toBe(200);
    const echo = json(res.body);
    for (const [name, value] of Object.entries(headers)) {
      expect(echo.headers[`HTTP_${name.toUpperCase().replace(/-/g, '_')}`]).toBe(value);
    }
  });

  it('relays the status, and logs STDERR in the error log', async () => {
    const res = await get('/fcgi/teapot?status=418&stderr=1');
    expect(res.status).toBe(418);
    expect(lighttpd.logs()).toContain('echo-app stderr for /fcgi/teapot?status=418&stderr=1');
  });

  it('opens one connection per request (lighttpd never sets KEEP_CONN)', async () => {
    const before = tcp.connections;
    for (let i = 0; i < 5; i++) expect((await get(`/fcgi/seq/${i}`)).status).toBe(200);
    expect(tcp.connections - before).toBe(5);
  });

  it('no connection-level errors from the app servers with lighttpd as the peer', () => {
    for (const app of [tcp, unix]) expect(connectionProblems(app)).toEqual([]);
  });
});
