import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { basename, extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Koa from 'koa';
import { BIG_TEXT, type DifferentialApp, STATIC_DIR } from '../src/differential-app.js';

/** The request body, read from the node:http stream as Koa apps without a body parser do. */
async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of req) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}

/**
 * A Koa 3 app (`app.callback()`), with routing, body parsing, a streamed static file, cookies
 * (ctx.cookies), ctx.redirect, a thrown error (Koa's own 500) and gzip by hand — the middleware
 * style without third-party packages.
 */
export async function createKoaApp(base: string): Promise<DifferentialApp> {
  const app = new Koa();
  app.silent = true; // the thrown-error route is expected: keep Koa from logging it
  app.use(async (ctx, next) => {
    if (!ctx.path.startsWith(`${base}/`)) return next();
    const route = ctx.path.slice(base.length);
    const get = ctx.method === 'GET' || ctx.method === 'HEAD';
    if (get && route === '/hello') {
      ctx.body = { hello: 'koa', method: ctx.method, query: ctx.query };
    } else if (ctx.method === 'POST' && route === '/json') {
      const text = (await readBody(ctx.req)).toString('utf8');
      let got: unknown;
      try {
        got = JSON.parse(text);
      } catch {
        ctx.throw(400, 'invalid JSON body');
      }
      ctx.body = { got };
    } else if (ctx.method === 'POST' && route === '/form') {
      ctx.body = { got: Object.fromEntries(new URLSearchParams((await readBody(ctx.req)).toString('utf8'))) };
    } else if (ctx.method === 'POST' && route === '/raw') {
      const body = await readBody(ctx.req);
      ctx.body = { length: body.length, sha256: createHash('sha256').update(body).digest('hex') };
    } else if (get && route.startsWith('/static/')) {
      const file = join(STATIC_DIR, basename(route));
      if (!existsSync(file)) return next();
      ctx.type = extname(file);
      ctx.body = createReadStream(file); // a stream: no Content-Length, node chunks it
    } else if (get && route === '/file') {
      ctx.type = 'html';
      ctx.body = readFileSync(join(STATIC_DIR, 'page.html'));
    } else if (get && route === '/redirect') {
      ctx.redirect(`${base}/hello`);
    } else if (get && route === '/cookies') {
      ctx.cookies.set('session', 'abc123', { httpOnly: true });
      ctx.cookies.set('theme', 'dark', { path: base, httpOnly: false });
      ctx.cookies.set('lang', 'en', { httpOnly: false });
      ctx.body = 'three cookies';
    } else if (get && route === '/boom') {
      throw new Error('boom');
    } else if (get && route === '/big') {
      ctx.vary('Accept-Encoding');
      ctx.type = 'text/plain';
      if (ctx.acceptsEncodings('gzip', 'identity') === 'gzip') {
        ctx.set('Content-Encoding', 'gzip');
        ctx.body = gzipSync(BIG_TEXT);
      } else {
        ctx.body = BIG_TEXT;
      }
    } else {
      return next();
    }
  });
  const listener = app.callback();
  return { name: 'koa', gateway: listener, direct: listener, close: async () => {} };
}
