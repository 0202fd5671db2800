import { expect, it } from 'vitest';
import type { AppObserver } from './app-observer.js';
import { patternSha256, sha256 } from './body-pattern.js';
import type { EchoDescription } from './echo-app.js';
import type { RunningGatewayApp } from './gateway-app.js';
import { httpRequest } from './http-client.js';
import { BODY_SIZES, manyHeaders, randomBody } from './test-requests.js';

/** How a front end handles a chunked upload for SCGI and uwsgi (both need the length up front). */
export type ChunkedUploadHandling =
  /** Reads the whole body first, then sends it with its CONTENT_LENGTH (nginx, lighttpd). */
  | 'buffered'
  /** Refuses it with 411 Length Required without contacting the app (Apache mod_proxy_scgi / mod_proxy_uwsgi). */
  | 'refused';

/** What `defineRequestSet` needs to know about the location under test. */
export interface RequestSetTarget {
  /** The front end's HTTP port (a getter: the front end starts in beforeAll). */
  port(): number;
  /** The server behind `base`, for its response-head tap and error reports. */
  app(): RunningGatewayApp;
  /** What the application behind `base` saw. */
  observer(): AppObserver;
  /** URL prefix routed to the app, without a trailing slash, e.g. "/tcp". */
  base: string;
  chunked: ChunkedUploadHandling;
  /**
   * URL prefix of an app that accepts 60 headers with a 6 KiB cookie (uwsgi: one with
   * `maxVarsBytes` raised), or null to leave that test to the file.
   */
  manyHeadersBase: string | null;
}

/** The first line gw's responses start with, per protocol (protocols.md §2.3, §3.4). */
export const RESPONSE_LINE = {
  scgi: /^Status: \d{3} /,
  uwsgi: /^HTTP\/1\.1 \d{3} /,
  fastcgi: /^Status: \d{3} /,
} as const;

const json = (body: Buffer) => JSON.parse(body.toString()) as EchoDescription;

/**
 * The request set the FastCGI interop tests send, for an SCGI or uwsgi app (the echo listener)
 * behind one front-end location: a GET with its CGI variables, bodies of 0 B / 5 B / 200 KiB /
 * 10 MiB both ways with SHA-256, a chunked upload, statuses, a redirect, several Set-Cookie
 * fields, HEAD, and 60 headers with a 6 KiB cookie. Call inside a `describe`.
 */
export function defineRequestSet(target: RequestSetTarget): void {
  const { base } = target;
  const request = (path: string, extra: Omit<Parameters<typeof httpRequest>[0], 'port' | 'path'> = {}) =>
    httpRequest({ port: target.port(), path: `${base}${path}`, ...extra });

  it('answers a GET with the CGI variables the front end sent, in the protocol’s response-head format', async () => {
    const res = await request('/hello?x=1', { headers: { 'X-Probe': 'yes' } });
    expect(res.status).toBe(200);
    const echo = json(res.body);
    expect(echo.method).toBe('GET');
    expect(echo.url).toBe(`${base}/hello?x=1`);
    expect(echo.vars.QUERY_STRING).toBe('x=1');
    expect(echo.headers.HTTP_X_PROBE).toBe('yes');
    const { protocol, heads } = target.app();
    expect(echo.transport.protocol).toBe(protocol);
    expect(heads.lastFirstLine()).toMatch(RESPONSE_LINE[protocol]);
  });

  it.each(Object.entries(BODY_SIZES))('uploads a %s body intact (CONTENT_LENGTH and SHA-256)', async (_name, size) => {
    const body = randomBody(size);
    const res = await request('/upload', { body });
    expect(res.status).toBe(200);
    const echo = json(res.body);
    expect(echo.method).toBe('POST');
    expect(echo.contentLength).toBe(String(size));
    expect(echo.body).toEqual({ length: size, sha256: sha256(body) });
  });

  it.each(Object.entries(BODY_SIZES))('downloads a %s body intact', async (_name, size) => {
    const res = await request(`/download?size=${size}`, { keepBody: false });
    expect(res.status).toBe(200);
    expect(res.length).toBe(size);
    expect(res.sha256).toBe(patternSha256(size));
    expect(res.headers['x-echo-sha256']).toBe(res.sha256);
  });

  if (target.chunked === 'buffered') {
    it('buffers a chunked 200 KiB upload and sends it with its CONTENT_LENGTH', async () => {
      const body = randomBody(BODY_SIZES.medium);
      const res = await request('/chunked', { body, chunked: true, writeSize: 16 * 1024 });
      expect(res.status).toBe(200);
      const echo = json(res.body);
      expect(echo.contentLength).toBe(String(body.length));
      expect(echo.body).toEqual({ length: body.length, sha256: sha256(body) });
    });
  } else {
    // Apache connects to the app first, then answers 411 and closes without sending a byte.
    it('refuses a chunked upload with 411 without a request reaching the app', async () => {
      const before = target.observer().count('start');
      const res = await request('/chunked', { body: randomBody(BODY_SIZES.tiny), chunked: true });
      expect(res.status).toBe(411);
      expect(target.observer().count('start')).toBe(before);
    });
  }

  it.each([201, 404, 418, 503])('relays status %i', async (status) => {
    const res = await request(`/status?status=${status}`);
    expect(res.status).toBe(status);
    expect(json(res.body).url).toBe(`${base}/status?status=${status}`);
  });

  it.each([301, 302, 303, 307])('relays a %i redirect with its Location', async (status) => {
    const res = await request(`/redirect?status=${status}&location=/elsewhere/${status}`);
    expect(res.status).toBe(status);
    expect(res.headers.location).toBe(`/elsewhere/${status}`);
  });

  it('relays several Set-Cookie fields as separate fields, in order', async () => {
    const res = await request('/cookies?cookies=3');
    expect(res.status).toBe(200);
    expect(res.headers['set-cookie']).toEqual(['gw1=v1; Path=/', 'gw2=v2; Path=/', 'gw3=v3; Path=/']);
  });

  it('answers HEAD with the head only', async () => {
    const res = await request('/head?cookies=1', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.length).toBe(0);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['set-cookie']).toEqual(['gw1=v1; Path=/']);
  });

  if (target.manyHeadersBase !== null) {
    const headersBase = target.manyHeadersBase;
    it('passes 60 request headers including a 6 KiB cookie', async () => {
      const headers = manyHeaders(60, 6 * 1024);
      const res = await httpRequest({ port: target.port(), path: `${headersBase}/headers`, headers });
      expect(res.status).toBe(200);
      const echo = json(res.body);
      expect(echo.headers.HTTP_COOKIE?.length).toBe(6 * 1024);
      for (const [name, value] of Object.entries(headers)) {
        expect(echo.headers[`HTTP_${name.toUpperCase().replace(/-/g, '_')}`]).toBe(value);
      }
    });
  }
}
