/**
 * Client side of target 3: a closed loop of IN_FLIGHT requests for SECONDS per case, cases
 * interleaved in ROUNDS (order rotated each round), all in this one process against the one
 * server process (apps/direct-server.ts):
 *
 * - `gw mux×1`: gw's FastCGI client, one multiplexed connection (`multiplex: true, maxConnections: 1`);
 * - `gw pool×8`: gw's FastCGI client, 8 connections, one request each at a time (`multiplex: false`);
 * - `node:http Agent×8`: `http.Agent({ keepAlive: true, maxSockets: 8 })` → node:http server.
 *
 * Every response body is read to its end and its length checked. Per case and round: requests/s,
 * p50/p99 latency (ms, request() to the end of the body), and CPU per request of this process
 * (process.cpuUsage) and of the server (/proc/<pid>/stat). Prints one JSON line at the end.
 *
 * argv: FCGI_PORT HTTP_PORT SERVER_PID ROUNDS SECONDS IN_FLIGHT WARMUP_SECONDS
 */
import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { createClient, type FastCgiClient } from '@gw/fastcgi';

const arg = (i: number): number => {
  const value = Number(process.argv[2 + i]);
  if (!Number.isFinite(value)) throw new Error(`argument ${i + 1} must be a number`);
  return value;
};
const [fcgiPort, httpPort, serverPid, rounds, seconds, inFlight, warmup] = [0, 1, 2, 3, 4, 5, 6].map(arg) as [number, number, number, number, number, number, number];
const HELLO_BYTES = 14;

// What nginx sends for GET /hello (fastcgi_params plus the request's headers as HTTP_*).
const PARAMS: Record<string, string> = {
  QUERY_STRING: '',
  REQUEST_METHOD: 'GET',
  CONTENT_TYPE: '',
  CONTENT_LENGTH: '',
  SCRIPT_NAME: '/hello',
  REQUEST_URI: '/hello',
  DOCUMENT_URI: '/hello',
  DOCUMENT_ROOT: '/var/www',
  SERVER_PROTOCOL: 'HTTP/1.1',
  REQUEST_SCHEME: 'http',
  GATEWAY_INTERFACE: 'CGI/1.1',
  SERVER_SOFTWARE: 'gw-bench',
  REMOTE_ADDR: '127.0.0.1',
  REMOTE_PORT: '54321',
  SERVER_ADDR: '127.0.0.1',
  SERVER_PORT: '80',
  SERVER_NAME: 'localhost',
  REDIRECT_STATUS: '200',
  HTTP_HOST: 'localhost',
  HTTP_USER_AGENT: 'gw-bench',
  HTTP_ACCEPT: '*/*',
};

type OneRequest = () => Promise<void>;

function gwCase(client: FastCgiClient): OneRequest {
  return async () => {
    const res = await client.request({ params: PARAMS });
    let bytes = 0;
    for await (const chunk of res.body) bytes += (chunk as Buffer).length;
    await res.ended;
    if (res.status !== 200 || bytes !== HELLO_BYTES) throw new Error(`gw: status ${res.status}, ${bytes} bytes`);
  };
}

function httpCase(agent: Agent): OneRequest {
  return () =>
    new Promise<void>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: httpPort, path: '/hello', agent, headers: { 'User-Agent': 'gw-bench', Accept: '*/*' } }, (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => (res.statusCode === 200 && bytes === HELLO_BYTES ? resolve() : reject(new Error(`http: status ${res.statusCode}, ${bytes} bytes`))));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
}

function serverCpu(): number {
  const stat = readFileSync(`/proc/${serverPid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // USER_HZ is 100 on Linux
}

interface Sample {
  rps: number;
  p50: number;
  p99: number;
  clientCpuUs: number;
  serverCpuUs: number;
}

/** `inFlight` loops, each starting its next request when the previous one ends, for `ms`. */
async function closedLoop(one: OneRequest, ms: number): Promise<Sample> {
  const latencies: number[] = [];
  const cpu0 = process.cpuUsage();
  const server0 = serverCpu();
  const t0 = performance.now();
  const deadline = t0 + ms;
  const worker = async () => {
    while (performance.now() < deadline) {
      const start = performance.now();
      await one();
      latencies.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const n = latencies.length;
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(n - 1, Math.ceil(p * n) - 1)] as number;
  return {
    rps: n / elapsed,
    p50: at(0.5),
    p99: at(0.99),
    clientCpuUs: (cpu.user + cpu.system) / n,
    serverCpuUs: ((serverCpu() - server0) / n) * 1e6,
  };
}

const mux = createClient({ host: '127.0.0.1', port: fcgiPort, multiplex: true, maxConnections: 1, maxRequestsPerConnection: 128 });
const pool = createClient({ host: '127.0.0.1', port: fcgiPort, multiplex: false, maxConnections: 8 });
const agent = new Agent({ keepAlive: true, maxSockets: 8 });
const cases: [string, OneRequest][] = [
  ['gw mux×1', gwCase(mux)],
  ['gw pool×8', gwCase(pool)],
  ['node:http Agent×8', httpCase(agent)],
];

for (const [name, one] of cases) {
  await closedLoop(one, warmup * 1000);
  process.stderr.write(`warm-up ${name} done\n`);
}
const samples: Record<string, Sample[]> = Object.fromEntries(cases.map(([n]) => [n, []]));
for (let round = 0; round < rounds; round++) {
  for (let i = 0; i < cases.length; i++) {
    const [name, one] = cases[(i + round) % cases.length] as [string, OneRequest];
    const s = await closedLoop(one, seconds * 1000);
    samples[name]?.push(s);
    process.stderr.write(`round ${round + 1}/${rounds} ${name.padEnd(18)} ${s.rps.toFixed(0).padStart(6)} req/s  p50 ${s.p50.toFixed(2)} p99 ${s.p99.toFixed(2)} ms  client ${s.clientCpuUs.toFixed(0)} µs/req  server ${s.serverCpuUs.toFixed(0)} µs/req\n`);
  }
}
const stats = { mux: { ...mux.stats }, pool: { ...pool.stats }, agentSockets: Object.values(agent.freeSockets).reduce((n, l) => n + (l?.length ?? 0), 0) };
await Promise.all([mux.close(), pool.close()]);
agent.destroy();
process.stdout.write(`${JSON.stringify({ samples, stats })}\n`);
