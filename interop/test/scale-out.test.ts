// Scale-out: three `gw serve` processes behind one front end that balances over them, one of them
// SIGKILLed under load. What a deployment relies on: the front end routes around the dead instance
// (nginx `fastcgi_next_upstream`, HAProxy `retry-on` + `redispatch`), the only requests that may
// fail are those that were inside the killed process at that moment, and the two survivors serve
// everything after. docs/deploy/nginx.md and docs/deploy/haproxy.md show these configs.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingReason } from '../src/binaries.js';
import type { FrontEnd } from '../src/front-end.js';
import { type GwServeInstance, missingGwBin, startGwServe } from '../src/gw-serve.js';
import { httpRequest } from '../src/http-client.js';
import { type LoopRequest, runLoadLoop } from '../src/load-loop.js';
import { makeTempPrefix, type TempPrefix } from '../src/temp-prefix.js';
import { type PoolOptions, startHaproxyPool, startNginxPool } from '../src/upstream-pool.js';

const PID_APP = fileURLToPath(new URL('../apps/pid-app.mjs', import.meta.url));
const CONCURRENCY = 8;
const DURATION_MS = 4000;
const KILL_AT_MS = 1500;
// Each request stays a few ms in the app, so that some are in flight when the kill lands.
const APP_DELAY_MS = 20;

interface FrontEndCase {
  name: string;
  binary: string;
  start(options: PoolOptions): Promise<FrontEnd>;
}

const cases: FrontEndCase[] = [
  { name: 'nginx upstream (keep_conn, keepalive, fastcgi_next_upstream)', binary: 'nginx', start: startNginxPool },
  { name: 'HAProxy backend (fcgi-app, mpxs-conns, retry-on, redispatch)', binary: 'haproxy', start: startHaproxyPool },
];

/** Ids of the requests the instance's app began (its "begin ID" stdout lines). */
function begunIds(instance: GwServeInstance): Set<string> {
  const text = readFileSync(instance.process.logFile, 'latin1');
  return new Set([...text.matchAll(/^begin (\S+)$/gm)].map((m) => m[1] as string));
}

describe.each(cases)('scale-out: three gw serve instances behind $name', (fc) => {
  const skip = missingReason(fc.binary) || missingGwBin();
  let prefix: TempPrefix;
  const instances: GwServeInstance[] = [];
  let frontEnd: FrontEnd | undefined;

  beforeAll(async () => {
    if (skip !== '') return;
    prefix = makeTempPrefix('scale-out');
    for (const label of ['a', 'b', 'c']) instances.push(await startGwServe({ app: PID_APP, prefix, label }));
    frontEnd = await fc.start({ ports: instances.map((i) => i.port), keepalive: 16 });
  });

  afterAll(async () => {
    await frontEnd?.stop();
    await Promise.all(instances.map((i) => i.process.stop()));
    prefix?.remove();
  });

  it.skipIf(skip !== '')(`keeps serving when one instance is SIGKILLed under load${skip}`, async () => {
    const fe = frontEnd as FrontEnd;
    const pids = instances.map((i) => String(i.pid));
    // Warm-up: every instance answers through the front end.
    const warm = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const res = await httpRequest({ port: fe.port, path: `/warm/${i}` });
      expect(res.status).toBe(200);
      warm.add(res.body.toString().trim());
    }
    expect([...warm].sort()).toEqual([...pids].sort());

    const victim = instances[1] as GwServeInstance;
    let killedAt = Number.NaN;
    const t0 = performance.now();
    const requests = await runLoadLoop({
      port: fe.port,
      concurrency: CONCURRENCY,
      durationMs: DURATION_MS,
      path: (id) => `/scale/${id}?id=${id}&delay=${APP_DELAY_MS}`,
      event: {
        atMs: KILL_AT_MS,
        run: () => {
          killedAt = performance.now() - t0;
          process.kill(victim.pid, 'SIGKILL');
        },
      },
    });
    const exit = await victim.process.exited;
    expect(exit.signal).toBe('SIGKILL');

    const victimPid = String(victim.pid);
    const survivors = pids.filter((p) => p !== victimPid);
    const failed = requests.filter((r) => r.failed);
    // In flight on the victim when it died: begun there, never answered by it.
    const answeredBy = new Map(requests.map((r) => [r.id, r] as const));
    const begunOnVictim = begunIds(victim);
    const inFlightOnVictim = [...begunOnVictim].filter((id) => answeredBy.get(id)?.answer !== victimPid);
    const retried = inFlightOnVictim.filter((id) => {
      const r = answeredBy.get(id);
      return r !== undefined && !r.failed;
    });
    // Started after the kill: only the survivors may answer, and they answer all.
    const later = requests.filter((r) => r.startedAt > killedAt);
    const byPid = (list: LoopRequest[]) => Object.fromEntries(pids.map((p) => [p, list.filter((r) => r.answer === p).length]));
    console.info(
      `[interop] scale-out ${fe.name}: ${requests.length} requests in ${DURATION_MS} ms by ${CONCURRENCY} clients; ` +
        `killed pid ${victimPid} (instance ${victim.label}) at ${killedAt.toFixed(0)} ms; ` +
        `${inFlightOnVictim.length} request(s) in flight on it, ${retried.length} of them retried on a survivor; ` +
        `${failed.length} failed ${JSON.stringify(failed.slice(0, 5).map((r) => [r.id, r.status, r.answer.slice(0, 80)]))}; ` +
        `per pid before the kill ${JSON.stringify(byPid(requests.filter((r) => r.endedAt < killedAt)))}, ` +
        `after ${JSON.stringify(byPid(later))}`,
    );

    expect(requests.length).toBeGreaterThan(100);
    // Every failure is one of the requests that were inside the killed process.
    for (const r of failed) expect(inFlightOnVictim, `${r.id} failed: ${r.status} ${r.answer}`).toContain(r.id);
    expect(failed.length).toBeLessThanOrEqual(CONCURRENCY);
    // Later requests: all answered, by the two survivors, both of them.
    expect(later.length).toBeGreaterThan(50);
    expect(later.filter((r) => r.failed)).toEqual([]);
    for (const r of later) expect(survivors).toContain(r.answer);
    for (const p of survivors) expect(later.some((r) => r.answer === p)).toBe(true);
    // The victim did serve before it died.
    expect(requests.some((r) => r.answer === victimPid)).toBe(true);
  });
});
