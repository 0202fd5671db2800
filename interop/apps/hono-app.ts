import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { compress } from 'hono/compress';
import { setCookie } from 'hono/cookie';
import { BIG_TEXT, type DifferentialApp, STATIC_DIR } from '../src/differential-app.js';

/** The Hono app: Fetch-style handlers, hono/compress, hono/cookie, c.redirect, onError. */
function buildHono(base: string): Hono {
  const app = new Hono().basePath(base);
  app.use(compress());
  app.get('/hello', (c) => c.json({ hello: 'hono', method: c.req.method, query: c.req.query() }));
  app.post('/json', async (c) => {
    let got: unknown;
    try {
      got = await c.req.json();
    } catch {
      return c.json({ error: 'invalid JSON body' }, 400);
    }
    return c.json({ got });
  });
  app.post('/form', async (c) => c.json({ got: await c.req.parseBody() }));
  app.post('/raw', async (c) => {
    const body = Buffer.from(await c.req.arrayBuffer());
    return c.json({ length: body.length, sha256: createHash('sha256').update(body).digest('hex') });
  });
  app.get('/static/:file', (c) => {
    const file = join(STATIC_DIR, basename(c.req.param('file')));
    if (!existsSync(file)) return c.notFound();
    return c.body(readFileSync(file), 200, { 'Content-Type': 'text/plain; charset=utf-8' });
  });
  app.get('/file', (c) => c.html(readFileSync(join(STATIC_DIR, 'page.html'), 'utf8')));
  app.get('/redirect', (c) => c.redirect(`${base}/hello`));
  app.get('/cookies', (c) => {
    setCookie(c, 'session', 'abc123', { httpOnly: true, path: '/' });
    setCookie(c, 'theme', 'dark', { path: base });
    setCookie(c, 'lang', 'en', { path: '/' });
    return c.text('three cookies');
  });
  app.get('/boom', () => {
    throw new Error('boom');
  });
  app.get('/big', (c) => c.text(BIG_TEXT));
  app.onError((error, c) => c.text(`failed: ${error.message}`, 500));
  return app;
}

/**
 * Hono through its `fetch`: gw's `createServer({ fetch: app.fetch })` (the Fetch adapter). The
 * reference is @hono/node-server's listener for the same app.
 */
export async function createHonoFetchApp(base: string): Promise<DifferentialApp> {
  const app = buildHono(base);
  const fetch = app.fetch;
  return { name: 'hono-fetch', gateway: { fetch }, direct: getRequestListener(fetch, { overrideGlobalObjects: false }), close: async () => {} };
}

/**
 * Hono through @hono/node-server: `getRequestListener(app.fetch, { overrideGlobalObjects: false })`
 * is a node:http listener, given to gw's `createServer(listener)` and to the reference server.
 */
export async function createHonoNodeServerApp(base: string): Promise<DifferentialApp> {
  const listener = getRequestListener(buildHono(base).fetch, { overrideGlobalObjects: false });
  return { name: 'hono-node-server', gateway: listener, direct: listener, close: async () => {} };
}
