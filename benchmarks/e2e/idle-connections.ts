/**
 * Scenario 5: memory of the gw app holding many idle kept-alive FastCGI connections. A separate
 * client process opens them straight to the app's unix socket (no nginx: nginx keeps only
 * `keepalive 32` idle upstream connections per worker), each after one request with KEEP_CONN,
 * and leaves them open. RSS is read from /proc before and after; the app also reports its heap
 * after a full GC (IPC). The same is measured for node:http (HTTP keep-alive connections) and the
 * bare responder, as references.
 */
import { join } from 'node:path';
import { appsDir, clientsDir } from './lib/build.js';
import { appEnvironment } from './lib/nginx.js';
import { type Child, rssBytes, sleep, start, stop, waitForLine } from './lib/processes.js';
import { formatMiB } from './lib/stats.js';

export interface IdleSettings {
  connections: number;
}

interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** An app measured here: gw (the subject) and two references. */
interface IdleSubject {
  label: string;
  script: (gwBundle: string) => string;
  protocol: 'fastcgi' | 'http';
  env?: NodeJS.ProcessEnv;
}

const SUBJECTS = (connections: number): IdleSubject[] => [
  {
    label: 'gw FastCGI',
    script: (b) => b,
    protocol: 'fastcgi',
    // maxConnections above the count; keepAliveTimeout (600 s) longer than the test.
    env: { GW_MAX_CONNECTIONS: String(connections + 100), GW_KEEPALIVE_MS: '600000' },
  },
  { label: 'node:http (HTTP keep-alive)', script: () => join(appsDir, 'node-http-app.mjs'), protocol: 'http' },
  { label: 'bare responder', script: () => join(appsDir, 'bare-responder.mjs'), protocol: 'fastcgi' },
];

export interface IdleResult {
  label: string;
  settings: IdleSettings;
  open: number;
  failed: number;
  openMs: number;
  closedWhileIdle: number;
  serverConnections: number;
  /** /proc VmRSS before and after, as they are (no GC forced). */
  rssBefore: number;
  rssAfter: number;
  /** process.memoryUsage() after a full GC, before and after. */
  gcBefore: Memory;
  gcAfter: Memory;
}

const log = (s: string) => process.stderr.write(`${s}\n`);

/** Asks the app for process.memoryUsage() after a full GC (it runs with --expose-gc). */
function appMemory(app: Child): Promise<{ memory: Memory; connections: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the gw app did not answer the memory request')), 10_000);
    app.proc.once('message', (msg: { memory: Memory; connections: number }) => {
      clearTimeout(timer);
      resolve(msg);
    });
    app.proc.send({ cmd: 'memory' });
  });
}

/** Opens `count` idle connections from a client process; resolves with the client and its report. */
async function openConnections(
  socket: string,
  count: number,
  protocol: IdleSubject['protocol'],
  nofile: number,
): Promise<{ client: Child; report: { open: number; failed: number; ms: number } }> {
  const client = start('idle-connections client', process.execPath, [join(clientsDir, 'idle-connections-client.mjs'), socket, String(count), protocol], {
    env: appEnvironment(),
    nofile,
  });
  const line = await waitForLine(client, (l) => l.startsWith('{"open"'), 120_000);
  return { client, report: JSON.parse(line) };
}

async function closeConnections(client: Child): Promise<number> {
  await stop(client);
  const line = client.stdoutLines.find((l) => l.startsWith('{"closedWhileIdle"'));
  return line ? (JSON.parse(line) as { closedWhileIdle: number }).closedWhileIdle : Number.NaN;
}

/** Runs the scenario for gw (the bundle in `dir`) and the references, one after the other. */
export async function runIdleConnections(dir: string, gwBundle: string, settings: IdleSettings): Promise<IdleResult[]> {
  const results: IdleResult[] = [];
  for (const subject of SUBJECTS(settings.connections)) results.push(await measureSubject(dir, gwBundle, subject, settings));
  return results;
}

async function measureSubject(dir: string, gwBundle: string, subject: IdleSubject, settings: IdleSettings): Promise<IdleResult> {
  const socket = join(dir, 'idle.sock');
  // Each side needs one descriptor per connection, plus node's own.
  const nofile = settings.connections + 1024;
  const app = start(`${subject.label} (idle connections)`, process.execPath, ['--expose-gc', subject.script(gwBundle), socket], {
    env: appEnvironment(subject.env),
    ipc: true,
    nofile,
  });
  let client: Child | undefined;
  try {
    await waitForLine(app, (l) => l === 'listening');
    // Warm-up: the same path once per connection on a few hundred connections, then closed, so
    // the "before" figure includes the code and JIT state a running server has.
    const warm = await openConnections(socket, 300, subject.protocol, nofile);
    await closeConnections(warm.client);
    await sleep(500);
    const gcBefore = (await appMemory(app)).memory;
    await sleep(200);
    const rssBefore = rssBytes(app.pid);
    log(`idle connections, ${subject.label}: RSS before ${formatMiB(rssBefore)}; opening ${settings.connections}`);

    const opened = await openConnections(socket, settings.connections, subject.protocol, nofile);
    client = opened.client;
    await sleep(1000); // let the last responses' buffers go and the timers settle
    const rssAfter = rssBytes(app.pid);
    const after = await appMemory(app);
    log(`idle connections, ${subject.label}: ${opened.report.open} open (${opened.report.failed} failed) in ${opened.report.ms} ms; RSS after ${formatMiB(rssAfter)}`);
    const closedWhileIdle = await closeConnections(client);
    return {
      label: subject.label,
      settings,
      open: opened.report.open,
      failed: opened.report.failed,
      openMs: opened.report.ms,
      closedWhileIdle,
      serverConnections: after.connections,
      rssBefore,
      rssAfter,
      gcBefore,
      gcAfter: after.memory,
    };
  } finally {
    if (client) await stop(client);
    await stop(app);
  }
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(2)} KiB`;

export function idleReport(results: readonly IdleResult[]): string {
  const first = results[0];
  if (!first) return '';
  const per = (r: IdleResult, a: number, b: number) => (r.open > 0 ? kib((b - a) / r.open) : '–');
  const lines = [
    `## Idle kept-alive connections: ${first.settings.connections} connections held open by one app`,
    '',
    "A client process opens the connections straight to the app's unix socket (no nginx), sends one GET on each (FastCGI with KEEP_CONN; HTTP/1.1 keep-alive for node:http), checks the answer, and leaves the connection idle. " +
      'gw runs with keepAliveTimeout 600 s (longer than the test) and maxConnections raised above the count; node:http with keepAliveTimeout 600 s. ' +
      '"Before" is after a warm-up of 300 such connections, closed again. RSS is /proc VmRSS as it is; heap and external are process.memoryUsage() after a forced full GC (--expose-gc).',
    '',
    '| app | held (failed) | RSS before | RSS after | RSS / connection | JS heap / connection | external / connection | closed while idle |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    lines.push(
      `| ${r.label} | ${r.open} (${r.failed}) | ${formatMiB(r.rssBefore)} | ${formatMiB(r.rssAfter)} | ${per(r, r.rssBefore, r.rssAfter)} | ${per(r, r.gcBefore.heapUsed, r.gcAfter.heapUsed)} | ${per(r, r.gcBefore.external, r.gcAfter.external)} | ${r.closedWhileIdle} |`,
    );
  }
  lines.push('', `The server side counted ${results.map((r) => `${r.serverConnections} (${r.label})`).join(', ')} open connections while they were held.`, '');
  return lines.join('\n');
}
