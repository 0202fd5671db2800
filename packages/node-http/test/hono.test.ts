import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import { streamText } from 'hono/streaming';
import { describe, expect, test } from 'vitest';
import type { FetchContext } from '@gw/node-http';
import { bodyParams, getParams, serve } from './helpers/exchange.js';
import { headerValues } from './helpers/fake-sink.js';

const app = new Hono<{ Bindings: Partial<FetchContext> }>();
app.get('/hello', (c) => c.text('hello'));
app.get('/info', (c) => c.json({ url: c.req.url, ua: c.req.header('user-agent'), query: c.req.query('q') ?? null, peer: c.env?.remoteAddress ?? null }));
app.post('/json', async (c) => c.json({ got: await c.req.json() }));
app.get('/cookies', (c) => {
  setCookie(c, 'a', '1');
  setCookie(c, 'b', '2', { httpOnly: true });
  deleteCookie(c, 'c');
  return c.text('ok');
});
app.get('/redirect', (c) => c.redirect('/there', 301));
app.get('/stream', (c) =>
  streamText(c, async (stream) => {
    await stream.write('a');
    await stream.sleep(5);
    await stream.write('b');
  }),
);
app.get('/boom', () => {
  throw new Error('boom');
});
app.onError((error, c) => c.text(`failed: ${error.message}`, 500));

// @hono/node-server replaces the global Request/Response unless told not to; we keep them.
const nodeListener = getRequestListener(app.fetch, { overrideGlobalObjects: false });

describe('Hono', () => {
  for (const [name, handler] of [
    ['via @hono/node-server getRequestListener (node:http adapter)', nodeListener],
    ['via its fetch (Fetch adapter)', app],
  ] as const) {
    describe(name, () => {
      test('text, JSON and the URL', async () => {
        const hello = await serve(handler, { params: getParams('/hello') });
        expect([hello.status, hello.body.toString(), headerValues(hello, 'content-type')]).toEqual([200, 'hello', ['text/plain;charset=UTF-8']]);
        const info = await serve(handler, { params: getParams('/info?q=z', { HTTPS: 'on' }) });
        const json = JSON.parse(info.body.toString());
        expect(json).toMatchObject({ url: 'https://example.test/info?q=z', ua: 'curl/8.0', query: 'z' });
      });

      test('a JSON request body in chunks', async () => {
        const body = '{"x":[1,2,3]}';
        const r = await serve(handler, { params: bodyParams('POST', '/json', 'application/json', body.length), body: [body.slice(0, 2), body.slice(2)] });
        expect(JSON.parse(r.body.toString())).toEqual({ got: { x: [1, 2, 3] } });
      });

      test('cookies, redirect, streaming, errors, 404', async () => {
        const cookies = await serve(handler, { params: getParams('/cookies') });
        expect(headerValues(cookies, 'set-cookie')).toEqual(['a=1; Path=/', 'b=2; Path=/; HttpOnly', 'c=; Max-Age=0; Path=/']);
        const redirect = await serve(handler, { params: getParams('/redirect') });
        expect([redirect.status, headerValues(redirect, 'location')]).toEqual([301, ['/there']]);
        const stream = await serve(handler, { params: getParams('/stream') });
        expect(stream.body.toString()).toBe('ab');
        expect(headerValues(stream, 'transfer-encoding')).toEqual([]);
        const boom = await serve(handler, { params: getParams('/boom') });
        expect([boom.status, boom.body.toString()]).toEqual([500, 'failed: boom']);
        const missing = await serve(handler, { params: getParams('/missing') });
        expect(missing.status).toBe(404);
      });
    });
  }

  test('the Fetch adapter passes the context as c.env', async () => {
    const r = await serve(app, { params: getParams('/info') });
    expect(JSON.parse(r.body.toString()).peer).toBe('192.0.2.10');
  });
});
