import { Readable } from 'node:stream';
import Koa from 'koa';
import { describe, expect, test } from 'vitest';
import { bodyParams, getParams, serve } from './helpers/exchange.js';
import { headerValues } from './helpers/fake-sink.js';

async function readBody(req: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

const app = new Koa();
app.silent = true;
app.use(async (ctx, next) => {
  try {
    await next();
  } catch (error) {
    const status = (error as { status?: number }).status ?? 500;
    ctx.status = status;
    ctx.body = { error: (error as Error).message, status };
  }
});
app.use(async (ctx) => {
  switch (ctx.path) {
    case '/info':
      ctx.body = { ip: ctx.ip, protocol: ctx.protocol, secure: ctx.secure, host: ctx.host, query: ctx.query, method: ctx.method };
      return;
    case '/echo':
      ctx.type = 'text/plain';
      ctx.body = `echo:${await readBody(ctx.req)}`;
      return;
    case '/stream':
      ctx.type = 'text/plain';
      ctx.body = Readable.from(['one ', 'two ', 'three']);
      return;
    case '/cookies':
      ctx.cookies.set('a', '1');
      ctx.cookies.set('b', '2', { httpOnly: false });
      ctx.body = 'ok';
      return;
    case '/redirect':
      ctx.redirect('/there');
      return;
    case '/missing':
      ctx.throw(404, 'nothing here');
      return;
    case '/boom':
      throw new Error('boom');
    case '/buffer':
      ctx.body = Buffer.from([0, 1, 2, 255]);
      return;
  }
});
const listener = app.callback();

describe('Koa 3 runs unchanged', () => {
  test('ctx facts', async () => {
    const r = await serve(listener, { params: getParams('/info?q=1', { REQUEST_SCHEME: 'https' }) });
    expect(JSON.parse(r.body.toString())).toEqual({ ip: '192.0.2.10', protocol: 'https', secure: true, host: 'example.test', query: { q: '1' }, method: 'GET' });
    expect(headerValues(r, 'content-type')).toEqual(['application/json; charset=utf-8']);
  });

  test('reading the raw request body', async () => {
    const r = await serve(listener, { params: bodyParams('POST', '/echo', 'text/plain', 10), body: ['hello', 'world'] });
    expect(r.body.toString()).toBe('echo:helloworld');
  });

  test('a stream body: no length, not chunked', async () => {
    const r = await serve(listener, { params: getParams('/stream') });
    expect(r.body.toString()).toBe('one two three');
    expect(headerValues(r, 'transfer-encoding')).toEqual([]);
  });

  test('a Buffer body with its length', async () => {
    const r = await serve(listener, { params: getParams('/buffer') });
    expect([...r.body]).toEqual([0, 1, 2, 255]);
    expect(headerValues(r, 'content-length')).toEqual(['4']);
  });

  test('cookies, redirect, ctx.throw and thrown errors', async () => {
    const cookies = await serve(listener, { params: getParams('/cookies') });
    expect(headerValues(cookies, 'set-cookie')).toEqual(['a=1; path=/; httponly', 'b=2; path=/']);
    const redirect = await serve(listener, { params: getParams('/redirect') });
    expect([redirect.status, headerValues(redirect, 'location')]).toEqual([302, ['/there']]);
    const missing = await serve(listener, { params: getParams('/missing') });
    expect([missing.status, JSON.parse(missing.body.toString())]).toEqual([404, { error: 'nothing here', status: 404 }]);
    const boom = await serve(listener, { params: getParams('/boom') });
    expect(boom.status).toBe(500);
  });

  test('HEAD and a path with no body (404)', async () => {
    const head = await serve(listener, { params: getParams('/info', { REQUEST_METHOD: 'HEAD' }) });
    expect([head.status, head.body.length]).toEqual([200, 0]);
    const none = await serve(listener, { params: getParams('/nothing') });
    expect(none.status).toBe(404);
  });
});
