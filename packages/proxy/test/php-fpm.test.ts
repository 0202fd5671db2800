import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createClient, encodeGetValues, type FastCgiClient, type FastCgiResponse, RecordDecoder } from '@gw/fastcgi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxyHandler, type RunningProxy, startProxy } from '../src/index.js';
import { collect, httpRequest, multipart, patternBody, sha256 } from './support/bodies.js';
import { type PhpFpm, startPhpFpm } from './support/php-fpm.js';

// The FastCGI client and the proxy against a real php-fpm 8.2: two static pools (unix socket and
// TCP) of 4 workers, each recycled after 5 requests (pm.max_requests), errors logged to STDERR.
//
// A php-fpm worker serves one kept-alive connection until that connection closes, so a pool of
// 4 workers has room for 4 pooled connections in total: the client tests use the unix pool, the
// proxy tests the TCP pool, and each client is closed before others need its workers.

let fpm: PhpFpm;

beforeAll(async () => {
  fpm = await startPhpFpm({ maxChildren: 4, maxRequests: 5 });
});

afterAll(async () => {
  await fpm?.stop();
});

function script(name: string, extra: Record<string, string> = {}): Record<string, string> {
  return { SCRIPT_FILENAME: join(fpm.docRoot, name), SCRIPT_NAME: `/${name}`, REQUEST_METHOD: 'GET', QUERY_STRING: '', ...extra };
}

async function json(res: FastCgiResponse): Promise<Record<string, unknown>> {
  const body = await collect(res.body);
  await res.ended;
  return JSON.parse(body.toString()) as Record<string, unknown>;
}

describe('FastCGI client → php-fpm', () => {
  let unixClient: FastCgiClient;
  beforeAll(() => {
    unixClient = createClient({ path: fpm.socketPath, maxConnections: 4, maxQueue: 200 });
  });
  afterAll(async () => {
    await unixClient.close();
  });

  it('GET_VALUES: php-fpm answers only FCGI_MPXS_CONNS=0 (no FCGI_MAX_CONNS / FCGI_MAX_REQS)', async () => {
    const socket = connect(fpm.socketPath);
    const answer = new Promise<[string, string][]>((resolve) => {
      const decoder = new RecordDecoder({ onGetValuesResult: (values) => resolve(values.toArray()) });
      socket.on('data', (chunk) => decoder.push(chunk));
    });
    socket.write(encodeGetValues(['FCGI_MAX_CONNS', 'FCGI_MAX_REQS', 'FCGI_MPXS_CONNS']));
    expect(await answer).toEqual([['FCGI_MPXS_CONNS', '0']]);
    // php-fpm 8.2 keeps the connection open after answering: close it, or it pins a worker.
    socket.destroy();
  });

  it('says hello over the unix socket and over TCP', async () => {
    const tcpClient = createClient({ port: fpm.port, maxConnections: 1 });
    try {
      for (const client of [unixClient, tcpClient]) {
        const res = await client.request({ params: script('hello.php', { QUERY_STRING: 'x=1' }) });
        expect(res.status).toBe(200);
        expect(res.headers).toContainEqual(['Content-type', 'text/plain;charset=UTF-8']);
        expect((await collect(res.body)).toString()).toBe('Hello from PHP GET x=1');
        expect(await res.ended).toMatchObject({ appStatus: 0, protocolStatus: 0 });
      }
    } finally {
      await tcpClient.close();
    }
    // What the GET_VALUES probe learned: php-fpm answers FCGI_MPXS_CONNS=0 only.
    expect(unixClient.stats.multiplex).toBe(false);
  });

  it.each([
    ['0 B', 0],
    ['5 B', 5],
    ['1 MiB', 1024 * 1024],
  ])('POSTs %s (bytes) and php reads exactly that body (sha256)', async (_label, size) => {
    const body = Buffer.alloc(size);
    for (let i = 0; i < size; i++) body[i] = (i * 31) & 0xff;
    const res = await unixClient.request({ params: script('digest.php', { REQUEST_METHOD: 'POST' }), body });
    expect(await json(res)).toEqual({ length: size, sha256: sha256(body), contentLength: String(size) });
  });

  it('POSTs 50 MiB as a stream with backpressure (sha256), and echoes 1 MiB back', async () => {
    const big = patternBody(50 * 1024 * 1024);
    const res = await unixClient.request({ params: script('digest.php', { REQUEST_METHOD: 'POST', CONTENT_LENGTH: String(50 * 1024 * 1024) }), body: big.chunks() });
    expect(await json(res)).toMatchObject({ length: 50 * 1024 * 1024, sha256: big.sha256 });
    const mib = Buffer.alloc(1024 * 1024, 9);
    const echo = await unixClient.request({ params: script('echo.php', { REQUEST_METHOD: 'POST' }), body: mib });
    expect(sha256(await collect(echo.body))).toBe(sha256(mib));
  }, 30_000);

  it('maps http_response_code(404), a Location redirect and several Set-Cookie headers', async () => {
    const notFound = await unixClient.request({ params: script('notfound.php') });
    expect([notFound.status, notFound.statusText]).toEqual([404, 'Not Found']);
    expect((await collect(notFound.body)).toString()).toBe('no such thing');
    const redirect = await unixClient.request({ params: script('redirect.php') });
    expect(redirect.status).toBe(302);
    expect(redirect.location).toBe('https://example.test/elsewhere');
    await collect(redirect.body);
    const cookies = await unixClient.request({ params: script('cookies.php') });
    expect(cookies.headers.filter(([n]) => n === 'Set-Cookie').map(([, v]) => v)).toEqual(['a=1', 'b=2; path=/x', 'c=three']);
    await collect(cookies.body);
  });

  it('receives error_log() output on the STDERR stream, apart from the body', async () => {
    const res = await unixClient.request({ params: script('stderr.php') });
    expect((await collect(res.body)).toString()).toBe('body after stderr');
    await res.ended;
    const stderr = (await collect(res.stderr)).toString();
    expect(stderr).toContain('PHP message: gw-stderr-marker one');
    expect(stderr).toContain('gw-stderr-marker two');
  });

  it.each([
    ['2 KiB', 2048],
    ['60 KiB', 60 * 1024],
  ])('passes a %s param intact (whole pairs per PARAMS record)', async (_label, size) => {
    const value = `${'p'.repeat(size - 7)}abcdefg`;
    const res = await unixClient.request({ params: script('params.php', { X_BIG: value }) });
    const out = await json(res);
    expect(out.length).toBe(size);
    expect(out.md5).toBe(createHash('md5').update(value).digest('hex'));
  });

  it('runs the Authorizer role: 200 allows with Variable-* headers, 403 denies', async () => {
    const allowed = await unixClient.request({ role: 'authorizer', params: script('authorizer.php', { HTTP_AUTHORIZATION: 'Bearer ok' }) });
    expect(allowed.allowed).toBe(true);
    expect({ ...allowed.variables }).toEqual({ USER_ID: '42', ROLE: 'admin' });
    await collect(allowed.body);
    const denied = await unixClient.request({ role: 'authorizer', params: script('authorizer.php') });
    expect([denied.status, denied.allowed]).toEqual([403, false]);
    await collect(denied.body);
  });

  it('completes 200 requests in flight while workers recycle every 5 requests', async () => {
    const client = unixClient;
    const before = client.stats;
    {
      const started = performance.now();
      const results = await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          const res = await client.request({ params: script('hello.php', { QUERY_STRING: `i=${i}` }) });
          return (await collect(res.body)).toString();
        }),
      );
      const ms = performance.now() - started;
      expect(results.every((r, i) => r === `Hello from PHP GET i=${i}`)).toBe(true);
      const stats = client.stats;
      const opened = stats.connectionsOpened - before.connectionsOpened;
      // 200 requests / 4 workers / 5 requests each: about 40 worker lifetimes, one connection each.
      expect(opened).toBeGreaterThanOrEqual(30);
      expect(stats.appConnectionLimit).toBe(5);
      console.log(
        `[figures] php-fpm 200 in flight: ${ms.toFixed(0)} ms, ${opened} connections, ${stats.staleRetries - before.staleRetries} stale-connection retries, learned limit ${stats.appConnectionLimit}`,
      );
    }
  }, 30_000);
});

describe('proxy (HTTP → FastCGI) → php-fpm', () => {
  let proxy: RunningProxy;
  let proxyPort: number;
  const stderrLines: string[] = [];
  beforeAll(async () => {
    proxy = await startProxy({
      listen: 0,
      upstreams: { upstream: `fastcgi://127.0.0.1:${fpm.port}`, documentRoot: fpm.docRoot, onStderr: (line) => stderrLines.push(line), fastcgi: { maxConnections: 3 } },
    });
    proxyPort = (proxy.address as { port: number }).port;
  });
  afterAll(async () => {
    await proxy.close();
  });

  it('serves a script with nginx’s params and maps the response head', async () => {
    const res = await httpRequest(proxyPort, '/server.php?q=1&r=%20', { headers: { Cookie: 'a=1', 'X-Forwarded-For': '192.0.2.1', X_Spoof: 'x', Proxy: 'http://evil' } });
    expect(res.status).toBe(200);
    const server = JSON.parse(res.body.toString()) as Record<string, string>;
    expect(server).toMatchObject({
      SCRIPT_FILENAME: join(fpm.docRoot, 'server.php'),
      SCRIPT_NAME: '/server.php',
      REQUEST_URI: '/server.php?q=1&r=%20',
      DOCUMENT_URI: '/server.php',
      DOCUMENT_ROOT: fpm.docRoot,
      QUERY_STRING: 'q=1&r=%20',
      REQUEST_METHOD: 'GET',
      SERVER_PROTOCOL: 'HTTP/1.1',
      GATEWAY_INTERFACE: 'CGI/1.1',
      REDIRECT_STATUS: '200',
      REMOTE_ADDR: '127.0.0.1',
      HTTP_COOKIE: 'a=1',
      HTTP_X_FORWARDED_FOR: '192.0.2.1',
    });
    expect(server.HTTP_PROXY).toBeUndefined();
    expect(server.HTTP_X_SPOOF).toBeUndefined();
  });

  it('keeps several Set-Cookie lines apart, and answers 404 / 302 like php-fpm said', async () => {
    const cookies = await httpRequest(proxyPort, '/cookies.php');
    expect(cookies.headers['set-cookie']).toEqual(['a=1', 'b=2; path=/x', 'c=three']);
    const missing = await httpRequest(proxyPort, '/no-such-script.php');
    expect(missing.status).toBe(404);
    expect(missing.body.toString()).toContain('File not found.');
    const redirect = await httpRequest(proxyPort, '/redirect.php');
    expect(redirect.status).toBe(302);
    expect(redirect.headers.location).toBe('https://example.test/elsewhere');
  });

  it('streams a 1 MiB POST through and buffers a chunked one to learn its length (php-fpm needs CONTENT_LENGTH)', async () => {
    const body = Buffer.alloc(1024 * 1024, 0x5a);
    const streamed = await httpRequest(proxyPort, '/digest.php', { method: 'POST', body });
    expect(JSON.parse(streamed.body.toString())).toEqual({ length: body.length, sha256: sha256(body), contentLength: String(body.length) });
    const chunked = await httpRequest(proxyPort, '/digest.php', { method: 'POST', body, chunked: true });
    expect(JSON.parse(chunked.body.toString())).toEqual({ length: body.length, sha256: sha256(body), contentLength: String(body.length) });
  });

  it('uploads a multipart file that php sees in $_FILES', async () => {
    const file = Buffer.alloc(300_000);
    for (let i = 0; i < file.length; i++) file[i] = (i * 13) & 0xff;
    const { body, contentType } = multipart(file, 'data.bin');
    const res = await httpRequest(proxyPort, '/upload.php', { method: 'POST', body, headers: { 'Content-Type': contentType } });
    expect(JSON.parse(res.body.toString())).toEqual({ files: { upload: { name: 'data.bin', size: file.length, error: 0, sha256: sha256(file) } }, post: { note: 'hello' } });
  });

  it('passes STDERR lines to onStderr', async () => {
    stderrLines.length = 0;
    const res = await httpRequest(proxyPort, '/stderr.php');
    expect(res.body.toString()).toBe('body after stderr');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stderrLines.join('\n')).toContain('PHP message: gw-stderr-marker one');
  });

  it('answers 504 when php takes longer than timeouts.firstByte, 502 when nothing listens', async () => {
    const errors: string[] = [];
    // The unix pool's workers are free again (its client closed); the proxy above keeps 3 of the TCP pool's.
    const slow = createProxyHandler({ upstream: `fastcgi://unix:${fpm.socketPath}`, documentRoot: fpm.docRoot, timeouts: { firstByte: 100 }, onError: (e) => errors.push((e as { code?: string }).code ?? '') });
    const down = createProxyHandler({ upstream: 'fastcgi://unix:/nonexistent/php.sock', documentRoot: fpm.docRoot, onError: (e) => errors.push((e as { code?: string }).code ?? '') });
    const server = createServer((req, res) => (req.url?.startsWith('/down') ? down(req, res) : slow(req, res)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      expect((await httpRequest(port, '/slow.php?ms=1000')).status).toBe(504);
      expect((await httpRequest(port, '/down/x.php')).status).toBe(502);
      expect(errors).toEqual(['FCGI_ERR_FIRST_BYTE_TIMEOUT', 'FCGI_ERR_CONNECT_FAILED']);
    } finally {
      server.close();
      await slow.close();
      await down.close();
    }
  });
});
