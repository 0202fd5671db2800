import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apacheConfig } from '../src/apache.js';
import { findBinary, missingReason } from '../src/binaries.js';
import { parseCgiResponse } from '../src/cgi-response.js';
import { freePort } from '../src/free-port.js';
import { haproxyConfig } from '../src/haproxy.js';
import { httpRequest } from '../src/http-client.js';
import { lighttpdConfig } from '../src/lighttpd.js';
import { nginxConfig, startNginx } from '../src/nginx.js';
import { startProcess, waitForLog } from '../src/process.js';
import { makeTempPrefix, type TempPrefix } from '../src/temp-prefix.js';
import { manyHeaders } from '../src/test-requests.js';

/** Runs `fn` with a fresh temp prefix, removed afterwards even when `fn` throws. */
const withPrefix = async (label: string, fn: (prefix: TempPrefix) => unknown) => {
  const prefix = makeTempPrefix(label);
  try {
    await fn(prefix);
  } finally {
    prefix.remove();
  }
};

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('harness building blocks', () => {
  it('freePort returns a port that can be bound on 127.0.0.1', async () => {
    const port = await freePort();
    const server = createNetServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    await new Promise((resolve) => server.close(resolve));
  });

  it('makeTempPrefix creates a 0755 directory and removes it', () => {
    const prefix = makeTempPrefix('selftest');
    expect(statSync(prefix.path).mode & 0o777).toBe(0o755);
    prefix.remove();
    expect(() => statSync(prefix.path)).toThrow();
  });

  it('stops a process with its graceful signal, and SIGKILLs one that ignores it', async () => {
    const prefix = makeTempPrefix('selftest');
    const polite = startProcess({ name: 'sleep', command: 'sleep', args: ['30'], logFile: prefix.file('a.log') });
    const stubborn = startProcess({
      name: 'stubborn',
      command: 'sh',
      args: ['-c', 'trap "" TERM; echo ready; while :; do sleep 0.1; done'],
      logFile: prefix.file('b.log'),
      graceMs: 300,
    });
    await waitForLog(stubborn, /ready/);
    expect(await polite.stop()).toMatchObject({ signal: 'SIGTERM' });
    expect(await stubborn.stop()).toMatchObject({ signal: 'SIGKILL' });
    expect(alive(polite.pid) || alive(stubborn.pid)).toBe(false);
    prefix.remove();
  });

  it('reports a command that cannot start', async () => {
    const prefix = makeTempPrefix('selftest');
    const proc = startProcess({ name: 'nope', command: '/nonexistent/gw-binary', args: [], logFile: prefix.file('x.log') });
    expect((await proc.exited).error).toBeDefined();
    prefix.remove();
  });

  it('manyHeaders builds 60 headers with a cookie of exactly the asked size', () => {
    const headers = manyHeaders(60, 6 * 1024);
    expect(Object.keys(headers)).toHaveLength(60);
    expect(headers.Cookie).toHaveLength(6 * 1024);
  });

  it('parseCgiResponse reads Status, headers and body (CRLF and LF heads)', () => {
    const crlf = parseCgiResponse(Buffer.from('Status: 404 Not Found\r\nContent-Type: text/plain\r\n\r\nnope'));
    expect(crlf).toMatchObject({ status: 404, headers: { 'content-type': 'text/plain' } });
    expect(crlf.body.toString()).toBe('nope');
    expect(parseCgiResponse(Buffer.from('Content-Type: a/b\n\nhi')).status).toBe(200);
    expect(() => parseCgiResponse(Buffer.from('no head end'))).toThrow();
  });
});

// The front-end modules also write SCGI/uwsgi/HTTP configs the FastCGI tests do not start; the
// servers' own config checkers validate them here so the other protocols' tests can rely on them.
describe('generated configs pass the servers’ own syntax checks', () => {
  const tcp = { port: 9 };
  const unix = { socket: '/tmp/gw-interop-selftest.sock' };

  it.skipIf(findBinary('nginx') === null)('nginx -t: fastcgi, scgi, uwsgi and http locations, with and without keepalive', async () => {
    await withPrefix('selftest-nginx', (prefix) => {
      const config = nginxConfig(prefix, 8080, {
        locations: [
          { path: '/f/', protocol: 'fastcgi', upstream: tcp, keepalive: 4, requestBuffering: false },
          { path: '/s/', protocol: 'scgi', upstream: unix },
          { path: '/u/', protocol: 'uwsgi', upstream: tcp, responseBuffering: false },
          { path: '/h/', protocol: 'http', upstream: tcp, keepalive: 4 },
        ],
      });
      writeFileSync(prefix.file('nginx.conf'), config);
      execFileSync('nginx', ['-t', '-q', '-p', `${prefix.path}/`, '-c', 'nginx.conf', '-e', prefix.file('error.log'), '-g', 'daemon off;'], { stdio: 'pipe' });
    });
  });

  it.skipIf(findBinary('apache2') === null)('apache2 -t: fcgi, scgi, uwsgi and http routes, TCP and unix', async () => {
    await withPrefix('selftest-apache', (prefix) => {
      const config = apacheConfig(prefix, 8080, {
        routes: [
          { path: '/f/', protocol: 'fcgi', upstream: tcp, reuse: true },
          { path: '/s/', protocol: 'scgi', upstream: tcp },
          { path: '/u/', protocol: 'uwsgi', upstream: unix },
          { path: '/h/', protocol: 'http', upstream: tcp, parameters: ['timeout=5'] },
        ],
      });
      mkdirSync(prefix.file('htdocs'));
      writeFileSync(prefix.file('httpd.conf'), config);
      execFileSync('apache2', ['-t', '-d', prefix.path, '-f', prefix.file('httpd.conf')], { stdio: 'pipe' });
    });
  });

  it.skipIf(findBinary('lighttpd') === null)('lighttpd -tt: mod_fastcgi and mod_scgi in scgi and uwsgi mode', async () => {
    await withPrefix('selftest-lighttpd', (prefix) => {
      const config = lighttpdConfig(prefix, 8080, {
        backends: [
          { path: '/f/', protocol: 'fastcgi', upstream: unix },
          { path: '/s/', protocol: 'scgi', upstream: tcp },
          { path: '/u/', protocol: 'uwsgi', upstream: tcp },
        ],
        streamRequestBody: 2,
      });
      writeFileSync(prefix.file('lighttpd.conf'), config);
      execFileSync('lighttpd', ['-tt', '-f', prefix.file('lighttpd.conf')], { stdio: 'pipe' });
    });
  });

  it.skipIf(findBinary('haproxy') === null)('haproxy -c: fcgi-app with and without multiplexing, unix socket', async () => {
    await withPrefix('selftest-haproxy', (prefix) => {
      for (const options of [{ app: tcp }, { app: unix, keepConn: false, mpxsConns: false, getValues: true, maxConn: 4 }]) {
        writeFileSync(prefix.file('haproxy.cfg'), haproxyConfig(prefix, 8080, options));
        execFileSync('haproxy', ['-c', '-q', '-f', prefix.file('haproxy.cfg')], { stdio: 'pipe' });
      }
    });
  });
});

const nginxSkip = missingReason('nginx');

describe.skipIf(nginxSkip !== '')(`nginx proxy_pass keepalive (for the HTTP-side tests)${nginxSkip}`, () => {
  let backend: Server;
  let connections = 0;
  let nginx: Awaited<ReturnType<typeof startNginx>>;

  beforeAll(async () => {
    backend = createHttpServer((req, res) => res.end(`${req.method} ${req.url}`));
    backend.on('connection', () => connections++);
    await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
    const address = backend.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    nginx = await startNginx({ locations: [{ path: '/h/', protocol: 'http', upstream: { port: address.port }, keepalive: 4 }] });
  });

  afterAll(async () => {
    await nginx?.stop();
    backend?.close();
  });

  it('reuses one upstream connection for sequential requests, and stops by PID', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await httpRequest({ port: nginx.port, path: `/h/${i}` });
      expect(res.body.toString()).toBe(`GET /h/${i}`);
    }
    expect(connections).toBe(1);
    await nginx.stop();
    expect(alive(nginx.pid)).toBe(false);
  });
});
