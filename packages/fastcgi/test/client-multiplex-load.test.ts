import { spawn } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createClient } from '../src/index.js';
import { collect } from './client-fake-app.js';
import { reply, startServer } from './server-harness.js';

// 10 000 concurrent requests: multiplexed FastCGI over at most 4 connections, against node:http
// with a keep-alive Agent (maxSockets unlimited). Prints the sockets each used and the time taken.

const REQUESTS = 10_000;

describe('10 000 concurrent requests', () => {
  it('all complete over at most 4 multiplexed FastCGI connections', async () => {
    let connections = 0;
    const { server, port } = await startServer(
      (request) => {
        reply(request, `ok ${request.params?.get('N')}`);
        return undefined;
      },
      { maxRequestsPerConnection: 4096, maxOpenParamsStreams: 4096 },
    );
    server.on('connection', () => connections++);
    const client = createClient({ port, maxConnections: 4, maxRequestsPerConnection: 2500, maxQueue: REQUESTS });
    try {
      const started = performance.now();
      const bodies = await Promise.all(
        Array.from({ length: REQUESTS }, async (_, i) => {
          const res = await client.request({ params: { REQUEST_METHOD: 'GET', N: String(i) } });
          return (await collect(res.body)).toString();
        }),
      );
      const ms = performance.now() - started;
      expect(bodies.every((b, i) => b === `ok ${i}`)).toBe(true);
      expect(client.stats.multiplex).toBe(true);
      // One probe connection (GET_VALUES) plus the pool.
      expect(client.stats.connectionsOpened).toBeLessThanOrEqual(4);
      expect(connections).toBeLessThanOrEqual(5);
      console.log(`[figures] FastCGI multiplexed: ${REQUESTS} requests, ${client.stats.connectionsOpened} pooled connections (+1 probe), ${ms.toFixed(0)} ms, ${((REQUESTS / ms) * 1000).toFixed(0)} req/s`);
    } finally {
      await client.close();
      server.close();
    }
  }, 60_000);

  it('node:http keep-alive Agent (maxSockets unlimited), same load, for comparison', async () => {
    // The HTTP server runs in a child process: 10 000 client sockets plus 10 000 server sockets in
    // one process would exceed the file-descriptor limit.
    const child = spawn(
      process.execPath,
      [
        '-e',
        `const http = require('node:http'); let sockets = 0;
         const s = http.createServer((req, res) => res.end('ok ' + new URL(req.url, 'http://x').searchParams.get('n')));
         s.on('connection', () => sockets++);
         s.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => process.stdout.write(s.address().port + '\\n'));
         process.stdin.on('data', () => process.stdout.write(sockets + '\\n'));`,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    try {
      const [portLine] = (await once(child.stdout, 'data')) as [Buffer];
      const port = Number(portLine.toString().trim());
      const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
      const started = performance.now();
      const bodies = await Promise.all(
        Array.from(
          { length: REQUESTS },
          (_, i) =>
            new Promise<string>((resolve, reject) => {
              const req = httpRequest({ host: '127.0.0.1', port, path: `/?n=${i}`, agent }, async (res) => resolve((await collect(res)).toString()));
              req.on('error', reject);
              req.end();
            }),
        ),
      );
      const ms = performance.now() - started;
      expect(bodies.every((b, i) => b === `ok ${i}`)).toBe(true);
      child.stdin.write('?');
      const [countLine] = (await once(child.stdout, 'data')) as [Buffer];
      const sockets = Number(countLine.toString().trim());
      console.log(`[figures] node:http keep-alive Agent: ${REQUESTS} requests, ${sockets} sockets, ${ms.toFixed(0)} ms, ${((REQUESTS / ms) * 1000).toFixed(0)} req/s`);
      expect(sockets).toBeGreaterThan(4);
      agent.destroy();
    } finally {
      child.kill();
    }
  }, 90_000);
});
