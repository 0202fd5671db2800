import { createClient as createFastCgiClient } from '@gw/fastcgi';
import { createClient as createScgiClient } from '@gw/scgi';
import { createClient as createUwsgiClient } from '@gw/uwsgi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningProxy, startProxy } from '../src/index.js';
import { collect, httpRequest, multipart, patternBody, sha256 } from './support/bodies.js';
import { startUwsgi, type Uwsgi } from './support/uwsgi.js';

// The uwsgi, SCGI and FastCGI clients, and the proxy, against one uWSGI (python3 plugin, 2 worker
// processes) serving the same WSGI app on a uwsgi, an SCGI and a FastCGI unix socket.

let uwsgi: Uwsgi;

beforeAll(async () => {
  uwsgi = await startUwsgi();
});

afterAll(async () => {
  await uwsgi?.stop();
});

/** The three clients behind one call shape. */
interface AnyClient {
  request(options: { params?: Record<string, string>; body?: Uint8Array | AsyncIterable<Buffer> }): Promise<{
    status: number;
    statusText: string;
    headers: [string, string][];
    location?: string | undefined;
    body: AsyncIterable<Buffer>;
    ended: Promise<unknown>;
  }>;
  close(): Promise<void>;
}

const protocols: [string, () => AnyClient][] = [
  ['uwsgi', () => createUwsgiClient({ path: uwsgi.uwsgiSocket })],
  ['SCGI', () => createScgiClient({ path: uwsgi.scgiSocket })],
  // uWSGI's FastCGI socket never answers GET_VALUES: skip the probe.
  ['FastCGI', () => createFastCgiClient({ path: uwsgi.fastcgiSocket, probe: false, maxConnections: 2 })],
];

function params(path: string, extra: Record<string, string> = {}): Record<string, string> {
  return { REQUEST_METHOD: 'GET', PATH_INFO: path, SCRIPT_NAME: '', QUERY_STRING: '', SERVER_NAME: 'test', SERVER_PORT: '80', SERVER_PROTOCOL: 'HTTP/1.1', ...extra };
}

describe.each(protocols)('%s client → uWSGI', (_name, make) => {
  let client: AnyClient;
  beforeAll(() => {
    client = make();
  });
  afterAll(async () => {
    await client.close();
  });

  it('says hello (uWSGI answers an HTTP status line on uwsgi, Status: on SCGI and FastCGI)', async () => {
    const res = await client.request({ params: params('/hello', { QUERY_STRING: 'a=1' }) });
    expect([res.status, res.statusText]).toEqual([200, 'OK']);
    expect((await collect(res.body)).toString()).toBe('Hello from WSGI GET a=1');
    await res.ended;
  });

  it.each([
    ['0 B', 0],
    ['5 B', 5],
    ['1 MiB', 1024 * 1024],
  ])('POSTs %s and the app reads exactly that body (sha256)', async (_label, size) => {
    const body = Buffer.alloc(size);
    for (let i = 0; i < size; i++) body[i] = (i * 17) & 0xff;
    const res = await client.request({ params: params('/digest', { REQUEST_METHOD: 'POST' }), body });
    expect(JSON.parse((await collect(res.body)).toString())).toMatchObject({ length: size, sha256: sha256(body) });
  });

  it('uploads a multipart file', async () => {
    const file = Buffer.alloc(200_000, 0x41);
    const { body, contentType } = multipart(file, 'f.bin');
    const res = await client.request({ params: params('/upload', { REQUEST_METHOD: 'POST', CONTENT_TYPE: contentType }), body });
    expect(JSON.parse((await collect(res.body)).toString())).toEqual({ files: { upload: { name: 'f.bin', size: file.length, sha256: sha256(file) } } });
  });

  it('maps 404, a redirect and several Set-Cookie headers', async () => {
    const notFound = await client.request({ params: params('/notfound') });
    expect(notFound.status).toBe(404);
    await collect(notFound.body);
    const redirect = await client.request({ params: params('/redirect') });
    expect([redirect.status, redirect.location]).toEqual([302, 'https://example.test/elsewhere']);
    await collect(redirect.body);
    const cookies = await client.request({ params: params('/cookies') });
    expect(cookies.headers.filter(([n]) => n === 'Set-Cookie').map(([, v]) => v)).toEqual(['a=1', 'b=2; Path=/x', 'c=three']);
    await collect(cookies.body);
  });

  it.each([
    ['2 KiB', 2048],
    ['60 KiB', 60 * 1024],
  ])('passes a %s param intact', async (_label, size) => {
    const value = 'q'.repeat(size);
    const res = await client.request({ params: params('/params', { X_BIG: value }) });
    expect(JSON.parse((await collect(res.body)).toString()).length).toBe(size);
  });

  it('completes 200 requests in flight', async () => {
    const started = performance.now();
    const bodies = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const res = await client.request({ params: params('/hello', { QUERY_STRING: `i=${i}` }) });
        return (await collect(res.body)).toString();
      }),
    );
    expect(bodies.every((b, i) => b === `Hello from WSGI GET i=${i}`)).toBe(true);
    const stats = (client as { stats?: { connectionsOpened: number; staleRetries: number; appConnectionLimit?: number } }).stats;
    const pool = stats === undefined ? '200 connections (one per request)' : `${stats.connectionsOpened} connections, ${stats.staleRetries} stale retries, learned limit ${stats.appConnectionLimit}`;
    console.log(`[figures] uWSGI ${_name} 200 in flight: ${(performance.now() - started).toFixed(0)} ms, ${pool}`);
  });
});

describe('uWSGI specifics', () => {
  it('POSTs 50 MiB as a stream over uwsgi (sha256)', async () => {
    const client = createUwsgiClient({ path: uwsgi.uwsgiSocket });
    const big = patternBody(50 * 1024 * 1024);
    const res = await client.request({ params: params('/digest', { REQUEST_METHOD: 'POST', CONTENT_LENGTH: String(50 * 1024 * 1024) }), body: big.chunks() });
    expect(JSON.parse((await collect(res.body)).toString())).toMatchObject({ length: 50 * 1024 * 1024, sha256: big.sha256 });
  }, 30_000);

  it('writes wsgi.errors to its log (uwsgi and SCGI have no error stream; FastCGI STDERR stays empty)', async () => {
    const client = createUwsgiClient({ path: uwsgi.uwsgiSocket });
    const res = await client.request({ params: params('/stderr') });
    expect((await collect(res.body)).toString()).toBe('body after stderr');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(uwsgi.process.logs()).toContain('gw-stderr-marker one');
  });

  it('refuses a modifier1 it has no plugin for by closing: UWSGI_ERR_NO_RESPONSE_HEAD', async () => {
    const client = createUwsgiClient({ path: uwsgi.uwsgiSocket, modifier1: 222 });
    await expect(client.request({ params: params('/hello') })).rejects.toMatchObject({ code: 'UWSGI_ERR_NO_RESPONSE_HEAD' });
  });
});

describe('proxy (HTTP → uwsgi / SCGI) → uWSGI', () => {
  let proxy: RunningProxy;
  let port: number;
  beforeAll(async () => {
    proxy = await startProxy({
      listen: 0,
      upstreams: [
        { prefix: '/', upstream: `uwsgi://unix:${uwsgi.uwsgiSocket}`, documentRoot: '/srv' },
        {
          prefix: '/via-scgi',
          upstream: `scgi://unix:${uwsgi.scgiSocket}`,
          documentRoot: '/srv',
          // The WSGI app is mounted at /via-scgi: it routes on the rest of the path.
          params: (req) => ({ SCRIPT_NAME: '/via-scgi', PATH_INFO: (req.url ?? '').replace(/^\/via-scgi/, '').replace(/\?.*$/, '') }),
        },
      ],
    });
    port = (proxy.address as { port: number }).port;
  });
  afterAll(async () => {
    await proxy.close();
  });

  it('routes by prefix and maps the WSGI response (uwsgi: PATH_INFO = the URI)', async () => {
    const hello = await httpRequest(port, '/hello?x=2');
    expect(hello.status).toBe(200);
    expect(hello.body.toString()).toBe('Hello from WSGI GET x=2');
    const cookies = await httpRequest(port, '/cookies');
    expect(cookies.headers['set-cookie']).toEqual(['a=1', 'b=2; Path=/x', 'c=three']);
    expect((await httpRequest(port, '/notfound')).status).toBe(404);
    const environ = JSON.parse((await httpRequest(port, '/server', { headers: { 'X-Test': 'yes' } })).body.toString()) as Record<string, string>;
    expect(environ).toMatchObject({ PATH_INFO: '/server', REQUEST_URI: '/server', HTTP_X_TEST: 'yes', REQUEST_METHOD: 'GET' });
  });

  it('streams a 1 MiB POST through uwsgi and a chunked one through SCGI', async () => {
    const body = Buffer.alloc(1024 * 1024, 0x33);
    const viaUwsgi = await httpRequest(port, '/digest', { method: 'POST', body });
    expect(JSON.parse(viaUwsgi.body.toString())).toMatchObject({ length: body.length, sha256: sha256(body) });
    // SCGI puts the length first, so a chunked body is buffered by the proxy to learn it.
    const viaScgi = await httpRequest(port, '/via-scgi/digest', { method: 'POST', body, chunked: true });
    expect(viaScgi.status).toBe(200);
    expect(JSON.parse(viaScgi.body.toString())).toMatchObject({ length: body.length, sha256: sha256(body) });
  });
});
