import { EventEmitter } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { type CliIo, isListeningSocket, main, parseListenTarget, parseServeArgs, resolveApp, resolveListenTarget, type ServeOptions } from '@gw/cli';
import { afterAll, describe, expect, it } from 'vitest';
import { ConnectionDispatcher, type ConnectionTaker } from '../src/serve/connection-dispatcher.js';
import { parseDuration, parseSize } from '../src/serve/flag-values.js';
import { unixSocketPath } from '../src/serve/inherited-socket.js';
import { removePidfile, writePidfile } from '../src/serve/pidfile.js';

// In-process tests of what `gw serve` decides before serving: arguments, config, listen
// targets, inherited sockets, application exports, the pidfile, connection hand-out.
const dir = mkdtempSync(join(tmpdir(), 'gw-serve-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function options(args: string[], cwd = dir): ServeOptions {
  const parsed = parseServeArgs(args, cwd);
  if (parsed.help) throw new Error('unexpected help');
  return parsed.options;
}

function usageError(args: string[]): unknown {
  try {
    parseServeArgs(args, dir);
  } catch (err) {
    return err;
  }
  return undefined;
}

async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const io: Partial<CliIo> = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: Readable.from([]),
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

describe('gw serve arguments', () => {
  it('has safe defaults', () => {
    expect(options(['app.mjs'])).toEqual({
      app: join(dir, 'app.mjs'),
      protocol: 'fastcgi',
      listen: undefined,
      workers: 1,
      pidfile: undefined,
      shutdownTimeout: 30_000,
      maxRequests: undefined,
      server: {
        maxBodyBytes: undefined,
        maxConnections: undefined,
        maxVarsBytes: undefined,
        keepAliveTimeout: undefined,
        headersTimeout: undefined,
        handlerTimeout: undefined,
        allowedPeers: undefined,
        socketMode: undefined,
      },
      quiet: false,
    });
  });

  it('reads every flag', () => {
    const o = options([
      '-p', 'uwsgi', '-l', 'unix:run/app.sock', '--socket-mode', '0660', '-w', '3', '--pidfile', 'gw.pid', '-t', '5s',
      '--max-requests', '1000', '--max-body', '8m', '--max-connections', '50', '--max-vars-bytes', '16k', '--headers-timeout', '2500ms',
      '--handler-timeout', '1m', '--allow', '127.0.0.1, 10.0.0.0/8,::1', '-q', 'srv/app.cjs',
    ]);
    expect(o).toEqual({
      app: join(dir, 'srv/app.cjs'),
      protocol: 'uwsgi',
      listen: { kind: 'unix', path: join(dir, 'run/app.sock') },
      workers: 3,
      pidfile: join(dir, 'gw.pid'),
      shutdownTimeout: 5000,
      maxRequests: 1000,
      server: {
        maxBodyBytes: 8 * 1024 * 1024,
        maxConnections: 50,
        maxVarsBytes: 16 * 1024,
        keepAliveTimeout: undefined,
        headersTimeout: 2500,
        handlerTimeout: 60_000,
        allowedPeers: ['127.0.0.1', '10.0.0.0/8', '::1'],
        socketMode: 0o660,
      },
      quiet: true,
    });
    expect(options(['--workers', 'auto', 'a.mjs']).workers).toBeGreaterThanOrEqual(1);
  });

  it('merges a JSON config: paths relative to the file, flags win', () => {
    const sub = join(dir, 'conf');
    rmSync(sub, { recursive: true, force: true });
    writeFileSync(join(dir, 'gw.json'), JSON.stringify({ app: 'apps/main.mjs', protocol: 'scgi', workers: 2, listen: 'unix:s.sock', allow: ['127.0.0.1', '::1'], quiet: true, timeout: 10 }));
    const o = options(['--config', 'gw.json', '--workers', '4', '--listen', '127.0.0.1:7000'], dir);
    expect(o).toMatchObject({
      app: join(dir, 'apps/main.mjs'),
      protocol: 'scgi',
      workers: 4,
      listen: { kind: 'tcp', host: '127.0.0.1', port: 7000 },
      shutdownTimeout: 10_000,
      quiet: true,
      server: { allowedPeers: ['127.0.0.1', '::1'] },
    });
    writeFileSync(join(dir, 'vars.json'), JSON.stringify({ app: 'a.mjs', protocol: 'uwsgi', 'max-vars-bytes': 65535 }));
    expect(options(['--config', 'vars.json'], dir).server.maxVarsBytes).toBe(65535);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ app: 'a.mjs', listn: '1' }));
    expect(usageError(['--config', 'bad.json'])).toMatchObject({ name: 'UsageError' });
    writeFileSync(join(dir, 'notjson.json'), '{ nope');
    expect(usageError(['--config', 'notjson.json'])).toMatchObject({ name: 'UsageError' });
  });

  it.each([
    [['--protocol', 'http', 'a.mjs']],
    [[]],
    [['a.mjs', 'b.mjs']],
    [['--workers', '0', 'a.mjs']],
    [['--timeout', 'soon', 'a.mjs']],
    [['--max-body', '12 parsecs', 'a.mjs']],
    [['--socket-mode', '999', 'a.mjs']],
    [['--allow', 'localhost', 'a.mjs']],
    [['--max-connections', '0', 'a.mjs']],
    [['-p', 'scgi', '--keepalive-timeout', '5', 'a.mjs']],
    [['-p', 'scgi', '--max-vars-bytes', '8k', 'a.mjs']],
    [['--max-vars-bytes', '8k', 'a.mjs']],
    [['-p', 'uwsgi', '--max-vars-bytes', '64k', 'a.mjs']],
    [['-p', 'uwsgi', '--max-vars-bytes', 'lots', 'a.mjs']],
    [['-p', 'cgi', '--max-vars-bytes', '8k', 'a.mjs']],
    [['-p', 'cgi', '--listen', '127.0.0.1:1', 'a.mjs']],
    [['--listen', 'localhost', 'a.mjs']],
  ])('refuses %j with a usage error', (args) => {
    expect(usageError(args)).toMatchObject({ name: 'UsageError' });
  });

  it('parses durations and sizes', () => {
    expect([parseDuration('t', '30'), parseDuration('t', '1.5s'), parseDuration('t', '250ms'), parseDuration('t', '2m'), parseDuration('t', '0')]).toEqual([30_000, 1500, 250, 120_000, 0]);
    expect([parseSize('s', '100'), parseSize('s', '4k'), parseSize('s', '64M'), parseSize('s', '1g'), parseSize('s', '2KiB')]).toEqual([100, 4096, 64 << 20, 1 << 30, 2048]);
  });
});

describe('--listen values', () => {
  it.each([
    ['127.0.0.1:9000', { kind: 'tcp', host: '127.0.0.1', port: 9000 }],
    ['0.0.0.0:80', { kind: 'tcp', host: '0.0.0.0', port: 80 }],
    ['[::1]:9001', { kind: 'tcp', host: '::1', port: 9001 }],
    ['9002', { kind: 'tcp', host: '127.0.0.1', port: 9002 }],
    ['unix:/run/app.sock', { kind: 'unix', path: '/run/app.sock' }],
    ['/run/b.sock', { kind: 'unix', path: '/run/b.sock' }],
    ['./c.sock', { kind: 'unix', path: '/srv/c.sock' }],
    ['fd:0', { kind: 'fd', fd: 0 }],
    ['fd:3', { kind: 'fd', fd: 3 }],
  ])('%s', (text, target) => {
    expect(parseListenTarget(text, '/srv')).toEqual(target);
  });

  it.each(['::1:9000', 'host', 'fd:', 'fd:x', '127.0.0.1:70000', '[zz]:1', 'unix:'])('refuses %s', (text) => {
    expect(() => parseListenTarget(text)).toThrow(expect.objectContaining({ name: 'UsageError' }));
  });
});

describe('inherited sockets', () => {
  const fdOf = (server: Server) => (server as unknown as { _handle: { fd: number } })._handle.fd;
  const listen = (target: string | number) =>
    new Promise<Server>((resolve) => {
      const server = createServer();
      server.listen(typeof target === 'number' ? { port: target, host: '127.0.0.1' } : { path: target }, () => resolve(server));
    });

  it('takes the systemd socket only when LISTEN_PID is ours, and consumes the variables', () => {
    const env: NodeJS.ProcessEnv = { LISTEN_PID: '4242', LISTEN_FDS: '2', LISTEN_FDNAMES: 'a:b', OTHER: 'x' };
    const resolved = resolveListenTarget(undefined, env, 4242);
    expect(resolved).toMatchObject({ target: { kind: 'fd', fd: 3 }, origin: 'systemd' });
    expect(resolved.note).toMatch(/2 sockets/);
    expect(env).toEqual({ OTHER: 'x' });

    const foreign: NodeJS.ProcessEnv = { LISTEN_PID: '1', LISTEN_FDS: '1' };
    expect(resolveListenTarget({ kind: 'tcp', host: '127.0.0.1', port: 1 }, foreign, 4242).origin).toBe('--listen');
    expect(foreign).toEqual({});
  });

  it('an explicit --listen wins over systemd', () => {
    const env: NodeJS.ProcessEnv = { LISTEN_PID: '7', LISTEN_FDS: '1' };
    expect(resolveListenTarget({ kind: 'unix', path: '/x' }, env, 7)).toEqual({ target: { kind: 'unix', path: '/x' }, origin: '--listen' });
  });

  it('tells listening sockets from connected ones and from files', async () => {
    const tcp = await listen(0);
    const unixPath = join(dir, 'probe.sock');
    const unix = await listen(unixPath);
    const client = connect((tcp.address() as { port: number }).port, '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
    const file = openSync(join(dir, 'plain-file'), 'w');
    try {
      expect(isListeningSocket(fdOf(tcp))).toBe(true);
      expect(isListeningSocket(fdOf(unix))).toBe(true);
      expect(isListeningSocket((client as unknown as { _handle: { fd: number } })._handle.fd)).toBe(false);
      expect(isListeningSocket(file)).toBe(false);
      expect(unixSocketPath(fdOf(unix))).toBe(unixPath);
      expect(unixSocketPath(fdOf(tcp))).toBeUndefined();
    } finally {
      closeSync(file);
      client.destroy();
      await new Promise((resolve) => tcp.close(resolve));
      await new Promise((resolve) => unix.close(resolve));
    }
  });
});

describe('application exports', () => {
  const expectBadExport = async (value: unknown) => {
    await expect(resolveApp(value, 'app.mjs')).rejects.toMatchObject({ code: 'GW_ERR_SERVE_BAD_EXPORT' });
  };

  it('takes listeners, http.Servers, Koa-, Fastify- and Fetch-shaped values, factories and promises', async () => {
    const listener = (_req: unknown, _res: unknown) => {};
    expect(await resolveApp(listener, 'a')).toMatchObject({ handler: listener, kind: 'request listener' });
    expect((await resolveApp(createHttpServer(listener), 'a')).kind).toBe('http.Server');
    const koaLike = { use() {}, callback: () => listener };
    expect(await resolveApp(koaLike, 'a')).toMatchObject({ handler: listener, kind: 'Koa app' });
    const calls: string[] = [];
    const fastifyLike = { routing: () => calls.push('routing'), ready: async () => void calls.push('ready'), close: async () => void calls.push('close') };
    const fastify = await resolveApp(fastifyLike, 'a');
    expect(calls).toEqual(['ready']);
    (fastify.handler as (a: unknown, b: unknown) => void)({}, {});
    await fastify.close?.();
    expect(calls).toEqual(['ready', 'routing', 'close']);
    const fetchLike = { fetch: () => new Response('x') };
    expect((await resolveApp(fetchLike, 'a')).kind).toBe('{ fetch } handler');
    expect((await resolveApp(() => Promise.resolve(fetchLike), 'a')).kind).toBe('{ fetch } handler (from a factory)');
    expect((await resolveApp(Promise.resolve(listener), 'a')).kind).toBe('request listener');
  });

  it('refuses everything else, also from a factory', async () => {
    for (const value of [42, 'app', null, undefined, {}, { fetch: 'no' }, createHttpServer()]) await expectBadExport(value);
    await expectBadExport(async () => ({ routes: [] }));
    await expect(resolveApp(() => {
      throw new Error('factory failed');
    }, 'a')).rejects.toMatchObject({ code: 'GW_ERR_SERVE_MODULE_FAILED' });
  });
});

describe('pidfile', () => {
  it('is written atomically, refused while its process runs, removed only by its owner', () => {
    const path = join(dir, 'p.pid');
    writePidfile(path, 12345678); // not a running process (pid_max is far lower)
    expect(readFileSync(path, 'utf8')).toBe('12345678\n');
    writePidfile(path, process.pid); // the previous owner is gone: taken over
    expect(() => writePidfile(path, 12345678)).toThrow(expect.objectContaining({ code: 'GW_ERR_SERVE_PIDFILE' }));
    removePidfile(path, 12345678);
    expect(readFileSync(path, 'utf8')).toBe(`${process.pid}\n`);
    removePidfile(path, process.pid);
    expect(() => readFileSync(path)).toThrow();
  });
});

describe('connection hand-out (cluster primary)', () => {
  /** A socket double: only what the dispatcher uses. */
  class FakeSocket extends EventEmitter {
    destroyed = false;
    destroy(): void {
      if (this.destroyed) return;
      this.destroyed = true;
      this.emit('close');
    }
  }

  class FakeWorker implements ConnectionTaker {
    readonly received: number[] = [];
    failSends = false;
    constructor(readonly name: string) {}
    send(message: { gw: string; id?: number }, _socket: Socket, options: { keepOpen: boolean }, callback: (error: Error | null) => void): void {
      expect(options.keepOpen).toBe(true);
      if (this.failSends) {
        callback(new Error('channel closed'));
        return;
      }
      this.received.push(message.id as number);
      callback(null);
    }
  }

  const socket = () => new FakeSocket() as unknown as Socket & FakeSocket;

  it('deals round-robin and closes its copy once a worker took the connection', () => {
    const a = new FakeWorker('a');
    const b = new FakeWorker('b');
    const dispatcher = new ConnectionDispatcher(() => [a, b]);
    const sockets = [socket(), socket(), socket()];
    for (const s of sockets) dispatcher.offer(s);
    expect([a.received, b.received]).toEqual([[1, 3], [2]]);
    dispatcher.answered(1, true);
    expect(sockets.map((s) => s.destroyed)).toEqual([true, false, false]);
  });

  it('holds connections while no worker is ready, then hands them out', () => {
    let ready: FakeWorker[] = [];
    const dispatcher = new ConnectionDispatcher(() => ready);
    const waiting = [socket(), socket()];
    for (const s of waiting) dispatcher.offer(s);
    expect(dispatcher.waiting).toBe(2);
    waiting[1]?.destroy(); // the client gave up
    const a = new FakeWorker('a');
    ready = [a];
    dispatcher.workerReady();
    expect([dispatcher.waiting, a.received]).toEqual([0, [1]]);
  });

  it('gives a refused connection, one whose worker died, or one that failed to send to another worker', () => {
    const a = new FakeWorker('a');
    const b = new FakeWorker('b');
    let ready = [a, b];
    const dispatcher = new ConnectionDispatcher(() => ready);
    const first = socket();
    dispatcher.offer(first); // → a (id 1)
    ready = [b];
    dispatcher.answered(1, false); // a is draining → b (id 2)
    expect([a.received, b.received, first.destroyed]).toEqual([[1], [2], false]);
    ready = [a, b];
    dispatcher.offer(socket()); // → a or b (id 3)
    const holder = a.received.includes(3) ? a : b;
    ready = [holder === a ? b : a];
    dispatcher.workerGone(holder as never);
    expect((holder === a ? b : a).received).toContain(4);
    a.failSends = true;
    ready = [a];
    const lost = socket();
    dispatcher.offer(lost); // every send fails: retried a bounded number of times, then closed
    expect(lost.destroyed).toBe(true);
  });

  it('closes waiting connections at shutdown and refuses new ones', () => {
    const dispatcher = new ConnectionDispatcher<FakeWorker>(() => []);
    const waiting = socket();
    dispatcher.offer(waiting);
    dispatcher.close();
    const late = socket();
    dispatcher.offer(late);
    expect([waiting.destroyed, late.destroyed]).toEqual([true, true]);
  });
});

describe('gw serve in the gw command', () => {
  it('is listed in gw --help, and has its own help with examples', async () => {
    expect((await run(['--help'])).stdout).toMatch(/\n {2}serve {4}/);
    const help = await run(['serve', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: gw serve \[options\] APP\n/);
    expect(help.stdout).toContain('Examples:');
    expect((await run(['help', 'serve'])).stdout).toBe(help.stdout);
  });

  it('exits 2 with the serve usage for a usage error', async () => {
    const r = await run(['serve', '--workers', 'many', 'a.mjs']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^gw serve: --workers must be/);
    expect(r.stderr).toContain('Usage: gw serve');
  });
});
