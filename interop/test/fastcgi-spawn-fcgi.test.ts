import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingReason } from '../src/binaries.js';
import { builtServerMissingReason } from '../src/built-fastcgi.js';
import { cgiEnvironment, runCgiFcgi } from '../src/cgi-fcgi.js';
import { freePort } from '../src/free-port.js';
import type { FrontEnd } from '../src/front-end.js';
import { httpRequest } from '../src/http-client.js';
import { startNginx } from '../src/nginx.js';
import { CLEAN_ENV } from '../src/process.js';
import { type SpawnedApp, startSpawnFcgi } from '../src/spawn-fcgi.js';
import { makeTempPrefix, type TempPrefix } from '../src/temp-prefix.js';

const skip = missingReason('spawn-fcgi', 'nginx', 'cgi-fcgi') || builtServerMissingReason();
const FIXTURE = fileURLToPath(new URL('../fixtures/fd0-app.mjs', import.meta.url));
const READY = /listening on fd 0/;

interface Fd0Answer {
  app: string;
  pid: number;
  method: string;
  url: string;
  role: number;
  keepConn: boolean;
  bodyLength: number;
}

describe.skipIf(skip !== '')(`FastCGI application started by spawn-fcgi, listening on fd 0${skip}`, () => {
  let prefix: TempPrefix;
  let tcpPrefix: TempPrefix;
  let onSocket: SpawnedApp;
  let onPort: SpawnedApp;
  let nginx: FrontEnd;

  beforeAll(async () => {
    prefix = makeTempPrefix('spawn-fcgi');
    tcpPrefix = makeTempPrefix('spawn-fcgi-tcp');
    const env = { ...CLEAN_ENV };
    const command = process.execPath;
    [onSocket, onPort] = await Promise.all([
      startSpawnFcgi({ prefix, listen: { socket: prefix.file('fd0.sock') }, command, args: [FIXTURE], env, readyLog: READY }),
      freePort().then((port) => startSpawnFcgi({ prefix: tcpPrefix, listen: { port }, command, args: [FIXTURE], env, readyLog: READY })),
    ]);
    nginx = await startNginx({ locations: [{ path: '/fd0/', protocol: 'fastcgi', upstream: onSocket.upstream }] });
  }, 60_000);

  afterAll(async () => {
    await nginx?.stop();
    await onSocket?.stop();
    await onPort?.stop();
    prefix?.remove();
    tcpPrefix?.remove();
  });

  it('serves requests from nginx over the unix socket spawn-fcgi created', async () => {
    const get = await httpRequest({ port: nginx.port, path: '/fd0/hello?x=1' });
    expect(get.status).toBe(200);
    const answer = JSON.parse(get.body.toString()) as Fd0Answer;
    expect(answer).toMatchObject({ app: 'fd0-app', pid: onSocket.pid, method: 'GET', url: '/fd0/hello?x=1', role: 1 });
    const post = await httpRequest({ port: nginx.port, path: '/fd0/upload', body: Buffer.alloc(300 * 1024, 7) });
    expect((JSON.parse(post.body.toString()) as Fd0Answer).bodyLength).toBe(300 * 1024);
  });

  it('serves cgi-fcgi over the TCP port spawn-fcgi bound', async () => {
    const body = Buffer.from('hello');
    const result = await runCgiFcgi({ connect: onPort.upstream, env: cgiEnvironment({ method: 'POST', uri: '/fd0/tcp', body }), body });
    expect(result.code).toBe(0);
    expect(result.response?.status).toBe(200);
    const answer = JSON.parse(result.response?.body.toString() ?? '{}') as Fd0Answer;
    expect(answer).toMatchObject({ app: 'fd0-app', pid: onPort.pid, method: 'POST', url: '/fd0/tcp', bodyLength: 5 });
  });

  it('the PID spawn-fcgi -n leaves is the app itself: SIGTERM stops it cleanly', async () => {
    const exit = await onPort.stop();
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(onPort.logs()).toContain(`fd0-app ${onPort.pid}: SIGTERM, closing`);
  });
});
