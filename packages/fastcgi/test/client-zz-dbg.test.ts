import { createServer } from 'node:net';
import { it } from 'vitest';
import { createClient } from '../src/index.js';
import { collect, simpleResponse } from '../test/client-fake-app.js';
it('dbg', async () => {
  const server = createServer((socket) => { socket.once('data', () => { console.log('got data'); socket.write(simpleResponse(1, 'early')); }); socket.on('error', () => {}); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as any).port;
  const c = createClient({ port, probe: false });
  const res = await c.request({ body: Buffer.alloc(1024 * 1024, 1), params: { REQUEST_METHOD: 'POST' } });
  console.log('head');
  console.log((await collect(res.body)).toString());
  await res.ended;
  console.log('ended', c.stats);
  const p = c.request({ params: { REQUEST_METHOD: 'GET' } }); console.log('after', c.stats); await new Promise(r => setTimeout(r, 500)); console.log('later', c.stats); await p;
  console.log('again');
}, 3000);
