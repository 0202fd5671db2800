import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cgiVariables, exchange, fastcgiRequestBytes, fixture, type GatewayProtocol, request, responseBytes, startGw, useGwBin } from './serve-helpers.js';

// `gw serve` as one process (no --workers): protocols, listen targets, inherited sockets,
// startup errors, pidfile, graceful shutdown.
const gw = useGwBin();
const dir = mkdtempSync(join(tmpdir(), 'gw-serve-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function listenOn(target: number | string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(typeof target === 'number' ? { port: target, host: '127.0.0.1' } : { path: target }, () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The OS fd behind a listening net.Server, to hand to a child (node exposes it on the handle). */
function fdOf(server: Server): number {
  return (server as unknown as { _handle: { fd: number } })._handle.fd;
}

describe('gw serve: protocols', () => {
  it.each<[GatewayProtocol, string]>([
    ['fastcgi', 'Status: 200 OK'],
    ['scgi', 'Status: 200 OK'],
    ['uwsgi', 'HTTP/1.1 200 OK'],
  ])('serves %s requests (head starts %j)', async (protocol, statusLine) => {
    const server = startGw(gw, ['--protocol', protocol, '--listen', '127.0.0.1:0', fixture('listener.mjs')]);
    const endpoint = await server.listening();
    expect(server.stderr).toContain(`(${protocol}, request listener, pid ${server.pid})`);
    const body = Buffer.alloc(200_000, 'x');
    const reply = await request(protocol, endpoint, { method: 'PUT', uri: '/big', body });
    expect(reply.status).toBe(200);
    expect(reply.headers['x-fixture']).toEqual(['listener']);
    expect(reply.json()).toMatchObject({ method: 'PUT', url: '/big', body: body.toString() });
    // The head format is the protocol's: a CGI Status line for FastCGI and SCGI, HTTP for uwsgi.
    const bytes = await responseBytes(protocol, endpoint, { uri: '/' });
    expect(bytes.toString('latin1')).toMatch(new RegExp(`^${statusLine}\r\n`));
    expect(await server.stop()).toEqual({ code: 0, signal: null });
  });

  it('serves a unix socket with --socket-mode and removes it at exit', async () => {
    const path = join(dir, 'mode.sock');
    const server = startGw(gw, ['-p', 'scgi', '-l', `unix:${path}`, '--socket-mode', '600', fixture('hono.mjs')]);
    const endpoint = await server.listening();
    expect(endpoint).toEqual({ path });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect((await request('scgi', endpoint, { uri: '/u' })).json()).toMatchObject({ kind: 'hono', url: '/u' });
    expect(await server.stop()).toEqual({ code: 0, signal: null });
    expect(existsSync(path)).toBe(false);
  });

  it('closes connections from peers outside --allow', async () => {
    const server = startGw(gw, ['-l', '127.0.0.1:0', '--allow', '192.0.2.0/24,::1', fixture('listener.mjs')]);
    const endpoint = await server.listening();
    const reply = await exchange(endpoint, fastcgiRequestBytes(cgiVariables({}), Buffer.alloc(0)));
    expect(reply.bytes.length).toBe(0);
    await server.waitForLog(/FCGI_ERR_PEER_NOT_ALLOWED/);
  });

  it('reads --config, resolving its paths against the file, and flags override it', async () => {
    const config = join(dir, 'gw.json');
    writeFileSync(config, JSON.stringify({ app: fixture('koa.mjs'), protocol: 'uwsgi', listen: '127.0.0.1:1', 'max-body': '1k', quiet: false }));
    const server = startGw(gw, ['--config', config, '--listen', '127.0.0.1:0']);
    const endpoint = await server.listening();
    expect((await request('uwsgi', endpoint, { uri: '/c' })).json()).toMatchObject({ kind: 'koa', url: '/c' });
    // max-body from the file: a 2 KiB body is refused before the handler runs.
    expect((await request('uwsgi', endpoint, { uri: '/c', body: Buffer.alloc(2048) })).status).toBe(413);
  });

  it('passes --max-vars-bytes to the uwsgi server: a vars block over the default 4096 is served up to it', async () => {
    const cookie = { HTTP_COOKIE: 'c'.repeat(6000) };
    const defaults = startGw(gw, ['-p', 'uwsgi', '-l', '127.0.0.1:0', fixture('listener.mjs')]);
    const atDefault = await defaults.listening();
    expect((await responseBytes('uwsgi', atDefault, { uri: '/v', params: cookie })).length).toBe(0);
    await defaults.waitForLog(/UWSGI_ERR_VARS_TOO_LARGE/);
    expect(await defaults.stop()).toEqual({ code: 0, signal: null });
    const raised = startGw(gw, ['-p', 'uwsgi', '-l', '127.0.0.1:0', '--max-vars-bytes', '8k', fixture('listener.mjs')]);
    const endpoint = await raised.listening();
    expect((await request('uwsgi', endpoint, { uri: '/v', params: cookie })).json()).toMatchObject({ url: '/v' });
    expect(await raised.stop()).toEqual({ code: 0, signal: null });
  });
});

describe('gw serve: listen errors', () => {
  it('exits 2 when the port is busy (the error shows even with --quiet)', async () => {
    const busy = await listenOn(0);
    const port = (busy.address() as { port: number }).port;
    try {
      const server = startGw(gw, ['-q', '-l', `127.0.0.1:${port}`, fixture('listener.mjs')]);
      expect(await server.exited).toEqual({ code: 2, signal: null });
      expect(server.stderr).toMatch(/^gw serve\[\d+\]: error GW_ERR_SERVE_ADDRESS_IN_USE: [^\n]*\n$/);
    } finally {
      await close(busy);
    }
  });

  it('removes a stale socket file (nobody listening) and listens', async () => {
    const path = join(dir, 'stale.sock');
    // A server killed without cleaning up leaves its socket file behind.
    const killed = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    await new Promise((resolve) => killed.once('close', resolve));
    expect(statSync(path).isSocket()).toBe(true);
    const server = startGw(gw, ['-l', `unix:${path}`, fixture('listener.mjs')]);
    const endpoint = await server.listening();
    expect(server.stderr).toContain(`removed stale socket ${path}`);
    expect((await request('fastcgi', endpoint)).status).toBe(200);
  });

  it('refuses a socket path another server listens on, and a path that is not a socket', async () => {
    const path = join(dir, 'taken.sock');
    const taken = await listenOn(path);
    try {
      const server = startGw(gw, ['-l', `unix:${path}`, fixture('listener.mjs')]);
      expect(await server.exited).toEqual({ code: 2, signal: null });
      expect(server.stderr).toContain('error GW_ERR_SERVE_ADDRESS_IN_USE: ');
    } finally {
      await close(taken);
    }
    const file = join(dir, 'regular-file');
    writeFileSync(file, 'keep me');
    const server = startGw(gw, ['-l', `unix:${file}`, fixture('listener.mjs')]);
    expect(await server.exited).toEqual({ code: 2, signal: null });
    expect(server.stderr).toContain('error GW_ERR_SERVE_NOT_A_SOCKET: ');
    expect(readFileSync(file, 'utf8')).toBe('keep me');
  });
});

describe('gw serve: inherited listening sockets', () => {
  it('serves a socket passed as fd 0 (spawn-fcgi style) without --listen', async () => {
    const socket = await listenOn(0);
    const port = (socket.address() as { port: number }).port;
    const server = startGw(gw, [fixture('listener.mjs')], { stdin: fdOf(socket) });
    await close(socket); // the child has its own copy
    const endpoint = await server.listening();
    expect(server.stderr).toContain('inherited as fd 0');
    expect(server.stderr).toContain(`listening on fd:0 (127.0.0.1:${port})`);
    expect((await request('fastcgi', endpoint)).json()).toMatchObject({ kind: 'listener' });
  });

  it('serves fd 3 under systemd socket activation (LISTEN_PID = its pid, LISTEN_FDS = 1)', async () => {
    const socket = await listenOn(0);
    const port = (socket.address() as { port: number }).port;
    // systemd sets LISTEN_PID to the pid it execs; a shell that execs node keeps its own pid.
    const server = startGw(gw, ['-p', 'scgi', fixture('express.cjs')], {
      command: ['/bin/sh', '-c', 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" "$@"', process.execPath],
      fd3: fdOf(socket),
    });
    await close(socket);
    const endpoint = await server.listening();
    expect(server.stderr).toContain('inherited as fd 3 (systemd socket activation)');
    expect(endpoint).toEqual({ host: '127.0.0.1', port });
    expect((await request('scgi', endpoint, { uri: '/sd' })).json()).toMatchObject({ kind: 'express', url: '/sd' });
  });

  it('ignores LISTEN_FDS meant for another process', async () => {
    const server = startGw(gw, ['-l', '127.0.0.1:0', fixture('listener.mjs')], { env: { LISTEN_PID: '1', LISTEN_FDS: '1' } });
    await server.listening();
    expect(server.stderr).not.toContain('systemd');
  });
});

describe('gw serve: pidfile and shutdown', () => {
  it('writes the pidfile, drains an in-flight request on SIGTERM, exits 0 and removes the pidfile', async () => {
    const pidfile = join(dir, 'gw.pid');
    const server = startGw(gw, ['-l', '127.0.0.1:0', '--pidfile', pidfile, fixture('listener.mjs')]);
    const endpoint = await server.listening();
    expect(readFileSync(pidfile, 'utf8')).toBe(`${server.pid}\n`);
    const slow = request('fastcgi', endpoint, { uri: '/slow?ms=700' });
    await server.waitForLog(/fixture: slow request started/);
    server.signal('SIGTERM');
    await server.waitForLog(/SIGTERM: shutting down/);
    // New connections get nothing while the slow request finishes: refused once the listening
    // socket is closed, reset if one slipped into its backlog just before.
    const late = await exchange(endpoint, Buffer.alloc(1));
    expect([late.bytes.length, ['ECONNREFUSED', 'ECONNRESET'].includes(late.error ?? '')]).toEqual([0, true]);
    const reply = await slow;
    expect(reply.status).toBe(200);
    expect(reply.json()).toMatchObject({ url: '/slow?ms=700' });
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(pidfile)).toBe(false);
  });

  it('closes requests still running after --timeout and still exits 0', async () => {
    const server = startGw(gw, ['-l', '127.0.0.1:0', '--timeout', '200ms', fixture('listener.mjs')]);
    const endpoint = await server.listening();
    const slow = request('fastcgi', endpoint, { uri: '/slow?ms=5000' }).then(
      () => 'answered',
      () => 'cut',
    );
    await server.waitForLog(/fixture: slow request started/);
    server.signal('SIGINT');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(await slow).toBe('cut');
    expect(server.stderr).toContain('closed 1 connection(s) still open after 200 ms');
  });

  it('refuses a pidfile that names a running process', async () => {
    const pidfile = join(dir, 'held.pid');
    writeFileSync(pidfile, `${process.pid}\n`);
    const server = startGw(gw, ['-l', '127.0.0.1:0', '--pidfile', pidfile, fixture('listener.mjs')]);
    expect(await server.exited).toEqual({ code: 2, signal: null });
    expect(server.stderr).toContain('error GW_ERR_SERVE_PIDFILE: ');
    expect(readFileSync(pidfile, 'utf8')).toBe(`${process.pid}\n`);
  });
});
