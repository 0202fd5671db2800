import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Fastify from 'fastify';
import type { NodeRequestListener } from '@gw/node-http';
import { BIG_TEXT, type DifferentialApp, STATIC_DIR } from '../src/differential-app.js';

/**
 * A Fastify 5 app plugged in through `serverFactory`: Fastify hands its request handler to the
 * factory, which keeps it — that one handler is what the gw server serves, and what the
 * reference http.Server serves. JSON parsing is Fastify's; form and octet-stream parsers are
 * added; static and sendFile are by hand (no plugins), gzip too.
 */
export async function createFastifyApp(base: string): Promise<DifferentialApp> {
  let handler: NodeRequestListener | undefined;
  const app = Fastify({
    logger: false,
    serverFactory: (fastifyHandler) => {
      handler = fastifyHandler as NodeRequestListener;
      return createServer(fastifyHandler);
    },
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: 20 * 1024 * 1024 }, (_req, body, done) => done(null, body));
  await app.register(
    async (routes) => {
      routes.get('/hello', async (request) => ({ hello: 'fastify', method: request.method, query: request.query }));
      routes.post('/json', async (request) => ({ got: request.body }));
      routes.post('/form', async (request) => ({ got: request.body }));
      routes.post('/raw', async (request) => {
        const body = request.body as Buffer;
        return { length: body.length, sha256: createHash('sha256').update(body).digest('hex') };
      });
      routes.get<{ Params: { file: string } }>('/static/:file', (request, reply) => {
        const file = join(STATIC_DIR, basename(request.params.file));
        if (!existsSync(file)) return reply.callNotFound();
        return reply.type('text/plain; charset=utf-8').send(createReadStream(file));
      });
      routes.get('/file', (_request, reply) => reply.type('text/html; charset=utf-8').send(readFileSync(join(STATIC_DIR, 'page.html'))));
      routes.get('/redirect', (_request, reply) => reply.redirect(`${base}/hello`));
      routes.get('/cookies', (_request, reply) => {
        reply.header('set-cookie', ['session=abc123; Path=/; HttpOnly', `theme=dark; Path=${base}`, 'lang=en; Path=/']);
        return reply.send('three cookies');
      });
      routes.get('/boom', async () => {
        throw new Error('boom');
      });
      routes.get('/big', (request, reply) => {
        reply.header('vary', 'Accept-Encoding').type('text/plain; charset=utf-8');
        if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(gzipSync(BIG_TEXT));
        return reply.send(BIG_TEXT);
      });
    },
    { prefix: base },
  );
  await app.ready();
  if (handler === undefined) throw new Error('fastify: serverFactory was not called');
  return { name: 'fastify', gateway: handler, direct: handler, close: () => app.close() };
}
