/**
 * Server side of target 3: one process serving the same listener (e2e/apps/listener.mjs, 14-byte
 * hello) twice — gw's FastCGI server (`createServer` from @gw/fastcgi, multiplexing advertised) and
 * a node:http server (keepAliveTimeout 600 s) — each on its own 127.0.0.1 port. Bundled from
 * source by lib/build.ts. Prints `listening FCGI_PORT HTTP_PORT`, exits 0 on SIGTERM.
 */
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer } from '@gw/fastcgi';
// @ts-expect-error plain ESM module without types
import { listener } from '../../e2e/apps/listener.mjs';

const fcgi = createServer({ keepAliveTimeout: 600_000 }, listener);
const http = createHttpServer(listener);
http.keepAliveTimeout = 600_000;
await new Promise<void>((resolve) => fcgi.listen(0, '127.0.0.1', () => resolve()));
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
const port = (s: { address(): unknown }) => (s.address() as AddressInfo).port;
process.stdout.write(`listening ${port(fcgi)} ${port(http)}\n`);
process.once('SIGTERM', () => process.exit(0));
