import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Endpoint, fixture, type GwProcess, request, sleep, startGw, useGwBin } from './serve-helpers.js';

// `gw serve --workers N`: a node:cluster primary and its workers.
const gw = useGwBin();
const dir = mkdtempSync(join(tmpdir(), 'gw-serve-cluster-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Pids of the workers the primary logged as started, in order. */
function startedWorkers(server: GwProcess): number[] {
  return [...server.stderr.matchAll(/worker (\d+) started/g)].map((m) => Number(m[1]));
}

/** `count` sequential GETs; the pids that answered. */
async function pidsAnswering(endpoint: Endpoint, count: number): Promise<number[]> {
  const pids: number[] = [];
  for (let i = 0; i < count; i++) {
    const reply = await request('fastcgi', endpoint, { uri: `/n${i}` });
    expect(reply.status).toBe(200);
    pids.push(reply.json().pid);
  }
  return pids;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('gw serve --workers', () => {
  it('shares the socket between workers and replaces one killed with SIGKILL', async () => {
    const server = startGw(gw, ['-l', '127.0.0.1:0', '-w', '2', fixture('listener.mjs')]);
    const endpoint = await server.listening();
    expect(server.stderr).toMatch(/\(fastcgi, request listener, 2 workers, primary pid \d+\)/);
    const [first, second] = startedWorkers(server) as [number, number];
    const pids = new Set(await pidsAnswering(endpoint, 6));
    expect(pids).toEqual(new Set([first, second]));

    const mark = server.stderr.length;
    process.kill(first, 'SIGKILL');
    await server.waitForLog(new RegExp(`worker ${first} died \\(signal SIGKILL\\); starting a new one`), mark);
    // The survivor keeps answering while the replacement starts.
    expect(new Set(await pidsAnswering(endpoint, 2))).not.toContain(first);
    const replacement = Number((await server.waitForLog(/worker (\d+) started \(restart\)/, mark))[1]);
    await server.waitForLog(new RegExp(`worker ${replacement} ready`), mark);
    expect(new Set(await pidsAnswering(endpoint, 6))).toEqual(new Set([second, replacement]));
    expect(await server.stop()).toEqual({ code: 0, signal: null });
    expect(isAlive(second) || isAlive(replacement)).toBe(false);
  });

  it('spaces out restarts of workers that keep dying (crash loop)', async () => {
    const server = startGw(gw, ['-l', '127.0.0.1:0', '-w', '2', fixture('listener.mjs')]);
    const endpoint = await server.listening();
    await request('fastcgi', endpoint, { uri: '/die' }).catch(() => {});
    await server.waitForLog(/died \(code 3\); starting a new one\n/);
    await request('fastcgi', endpoint, { uri: '/die' }).catch(() => {});
    await server.waitForLog(/died \(code 3\); starting a new one in 250 ms \(crash loop\)/);
    expect((await request('fastcgi', endpoint)).status).toBe(200);
  });

  it('keeps the listening socket while no worker is alive: connections wait for the next one', async () => {
    const server = startGw(gw, ['-l', '127.0.0.1:0', '-w', '2', fixture('listener.mjs')]);
    const endpoint = await server.listening();
    const before = startedWorkers(server);
    const mark = server.stderr.length;
    for (const pid of before) process.kill(pid, 'SIGKILL');
    for (const pid of before) await server.waitForLog(new RegExp(`worker ${pid} died`), mark);
    // Same address: node:cluster would have closed its socket with the last worker.
    const reply = await request('fastcgi', endpoint, { uri: '/after' });
    expect(reply.json()).toMatchObject({ url: '/after' });
    expect(before).not.toContain(reply.json().pid);
  });

  it('SIGHUP reloads: new workers take over, requests in flight on the old ones finish', async () => {
    const server = startGw(gw, ['-l', '127.0.0.1:0', '-w', '2', fixture('listener.mjs')]);
    const endpoint = await server.listening();
    const old = startedWorkers(server);
    let mark = server.stderr.length;
    const slow = [1, 2, 3, 4].map((i) => request('fastcgi', endpoint, { uri: `/slow?ms=1500&i=${i}` }));
    for (let i = 0; i < 4; i++) mark = (await server.waitForLog(/fixture: slow request started/, mark)).end;

    // Requests keep coming during the whole reload; none may fail.
    let polling = true;
    const during: Promise<number | string>[] = [];
    const poller = (async () => {
      while (polling) {
        during.push(
          request('fastcgi', endpoint, { uri: '/poll' }).then(
            (r) => r.status,
            (e: Error) => e.message,
          ),
        );
        await sleep(25);
      }
    })();
    server.signal('SIGHUP');
    await server.waitForLog(/SIGHUP: reloading, starting 2 new worker\(s\)/, mark);
    await server.waitForLog(/reload complete/, mark);
    const fresh = startedWorkers(server).slice(2);
    expect(fresh).toHaveLength(2);
    expect(fresh).not.toContain(old[0]);

    const answers = await Promise.all(slow);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    for (const reply of answers) expect(old).toContain(reply.json().pid);
    for (const pid of old) await server.waitForLog(new RegExp(`worker ${pid} exited \\(code 0\\)`), mark);
    polling = false;
    await poller;
    expect(new Set(await Promise.all(during))).toEqual(new Set([200]));
    expect(new Set(await pidsAnswering(endpoint, 4))).toEqual(new Set(fresh));
  });

  it('keeps the old workers when the reloaded application cannot start', async () => {
    const app = join(dir, 'app.mjs');
    copyFileSync(fixture('listener.mjs'), app);
    copyFileSync(fixture('respond.cjs'), join(dir, 'respond.cjs'));
    const server = startGw(gw, ['-l', '127.0.0.1:0', '-w', '2', app]);
    const endpoint = await server.listening();
    const old = new Set(startedWorkers(server));
    writeFileSync(app, "throw new Error('broken deploy');\n");
    const mark = server.stderr.length;
    server.signal('SIGHUP');
    await server.waitForLog(/error: reload failed: new worker \d+ exited \(code 2\) before serving: GW_ERR_SERVE_MODULE_FAILED/, mark);
    expect(new Set(await pidsAnswering(endpoint, 4))).toEqual(old);
    expect(server.stderr.slice(mark)).not.toContain('reload complete');
  });

  it('--max-requests replaces a worker after that many requests, without a gap', async () => {
    const server = startGw(gw, ['-l', '127.0.0.1:0', '-w', '1', '--max-requests', '3', fixture('hono.mjs')]);
    const endpoint = await server.listening();
    const [first] = startedWorkers(server) as [number];
    expect(await pidsAnswering(endpoint, 3)).toEqual([first, first, first]);
    await server.waitForLog(new RegExp(`worker ${first} served 3 requests \\(--max-requests\\): replacing it`));
    const next = Number((await server.waitForLog(new RegExp(`worker (\\d+) started \\(retire of worker ${first}\\)`)))[1]);
    await server.waitForLog(new RegExp(`worker ${first} exited \\(code 0\\)`));
    expect(await pidsAnswering(endpoint, 2)).toEqual([next, next]);
  });

  it('SIGTERM drains every worker, exits 0 and removes the pidfile and the socket', async () => {
    const pidfile = join(dir, 'cluster.pid');
    const server = startGw(gw, ['-l', `unix:${join(dir, 'c.sock')}`, '--socket-mode', '640', '-w', '2', '--pidfile', pidfile, fixture('express.cjs')]);
    const endpoint = await server.listening();
    expect(readFileSync(pidfile, 'utf8')).toBe(`${server.pid}\n`);
    expect(statSync(join(dir, 'c.sock')).mode & 0o777).toBe(0o640);
    const slow = request('fastcgi', endpoint, { uri: '/slow?ms=600' });
    await server.waitForLog(/fixture: slow request started/);
    server.signal('SIGTERM');
    expect((await slow).json()).toMatchObject({ kind: 'express', url: '/slow?ms=600' });
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.stderr).toMatch(/stopped\n$/);
    expect(existsSync(pidfile)).toBe(false);
    expect(existsSync(join(dir, 'c.sock'))).toBe(false);
  });

  it('serves a systemd socket (fd 3) from every worker', async () => {
    const socket = await new Promise<Server>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => resolve(s));
    });
    const port = (socket.address() as { port: number }).port;
    const server = startGw(gw, ['-w', '2', '-p', 'uwsgi', fixture('koa.mjs')], {
      command: ['/bin/sh', '-c', 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" "$@"', process.execPath],
      fd3: (socket as unknown as { _handle: { fd: number } })._handle.fd,
    });
    await new Promise((resolve) => socket.close(resolve));
    await server.waitForLog(/listening on fd:3/);
    const pids = new Set<number>();
    for (let i = 0; i < 6; i++) pids.add((await request('uwsgi', { host: '127.0.0.1', port }, { uri: '/k' })).json().pid);
    expect(pids).toEqual(new Set(startedWorkers(server)));
  });

  it('exits 2 once, with the worker\'s error, when the port is busy', async () => {
    const busy = await new Promise<Server>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => resolve(s));
    });
    const port = (busy.address() as { port: number }).port;
    const server = startGw(gw, ['-l', `127.0.0.1:${port}`, '-w', '2', fixture('listener.mjs')]);
    expect(await server.exited).toEqual({ code: 2, signal: null });
    expect(server.stderr.match(/error GW_ERR_SERVE_ADDRESS_IN_USE: /g)).toHaveLength(1);
    await new Promise((resolve) => busy.close(resolve));
  });
});
