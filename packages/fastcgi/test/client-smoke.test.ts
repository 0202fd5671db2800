import { describe, expect, it } from 'vitest';
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { createClient } from '../src/index.js';
import { reply, startServer } from './server-harness.js';

describe('smoke', () => {
  it('10k', async () => {
    const { server, port } = await startServer((request) => {
      reply(request, `hi ${request.params?.get('X')}`);
      return undefined;
    }, { maxRequestsPerConnection: 4096, maxOpenParamsStreams: 4096 });
    const client = createClient({ port, maxConnections: 4, maxRequestsPerConnection: 2500, maxQueue: 10000 });
    const session = new Session(); session.connect(); await session.post('Profiler.enable'); await session.post('Profiler.start');
    const t0 = performance.now();
    let ok = 0;
    await Promise.all(Array.from({ length: 10000 }, async (_, i) => {
      const res = await client.request({ params: { X: String(i) } });
      const chunks: Buffer[] = [];
      for await (const c of res.body) chunks.push(c);
      if (Buffer.concat(chunks).toString() === `hi ${i}`) ok++;
    }));
    console.log(ok, performance.now() - t0, client.stats);
    const { profile } = await session.post('Profiler.stop'); writeFileSync('/tmp/gwt/p.cpuprofile', JSON.stringify(profile));
    await client.close();
    server.close();
  });
});
