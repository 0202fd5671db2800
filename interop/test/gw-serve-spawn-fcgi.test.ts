import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingReason } from '../src/binaries.js';
import type { FrontEnd } from '../src/front-end.js';
import { GW_BIN, missingGwBin } from '../src/gw-serve.js';
import { httpRequest } from '../src/http-client.js';
import { startNginx } from '../src/nginx.js';
import { CLEAN_ENV } from '../src/process.js';
import { type SpawnedApp, startSpawnFcgi } from '../src/spawn-fcgi.js';
import { makeTempPrefix, type TempPrefix } from '../src/temp-prefix.js';

// `gw serve` started the classic way: spawn-fcgi binds the socket and execs the app with it as
// fd 0 (FCGI_LISTENSOCK_FILENO). No --listen is given: gw serve must find the socket on fd 0.
const skip = missingReason('spawn-fcgi', 'nginx') || missingGwBin();
const APP = fileURLToPath(new URL('../apps/pid-app.mjs', import.meta.url));

describe.skipIf(skip !== '')(`gw serve started by spawn-fcgi, listening on the inherited fd 0${skip}`, () => {
  let prefix: TempPrefix;
  let app: SpawnedApp;
  let nginx: FrontEnd;

  beforeAll(async () => {
    prefix = makeTempPrefix('gw-serve-spawn-fcgi');
    app = await startSpawnFcgi({
      prefix,
      listen: { socket: prefix.file('gw.sock') },
      command: process.execPath,
      args: [GW_BIN, 'serve', APP, '--protocol', 'fastcgi'],
      env: { ...CLEAN_ENV },
      readyLog: /listening/,
    });
    nginx = await startNginx({ locations: [{ path: '/app/', protocol: 'fastcgi', upstream: app.upstream }] });
  }, 60_000);

  afterAll(async () => {
    await nginx?.stop();
    await app?.stop();
    prefix?.remove();
  });

  it('serves nginx over the socket spawn-fcgi created, from the process spawn-fcgi exec’d', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await httpRequest({ port: nginx.port, path: `/app/x?i=${i}` });
      expect(res.status).toBe(200);
      expect(res.body.toString().trim()).toBe(String(app.pid));
    }
    expect(app.logs()).toMatch(/fd[ :]?0/);
  });

  it('stops cleanly on SIGTERM by PID', async () => {
    const exit = await app.stop();
    expect(exit).toMatchObject({ code: 0, signal: null });
  });
});
