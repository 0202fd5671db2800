import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import compression from 'compression';
import express, { type NextFunction, type Request, type Response } from 'express';
import { afterAll, describe, expect, test } from 'vitest';
import { bodyParams, getParams, serve } from './helpers/exchange.js';
import { headerValues } from './helpers/fake-sink.js';

const dir = mkdtempSync(join(tmpdir(), 'gw-express-'));
writeFileSync(join(dir, 'hello.txt'), 'static hello\n');
writeFileSync(join(dir, 'big.txt'), 'x'.repeat(100_000));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const app = express();
app.set('trust proxy', false);
app.use('/static', express.static(dir));
app.get('/file', (_req, res) => res.sendFile(join(dir, 'hello.txt')));
app.get('/info', (req, res) => {
  res.json({ ip: req.ip, protocol: req.protocol, secure: req.secure, host: req.get('host'), path: req.path, query: req.query, url: req.originalUrl });
});
app.post('/json', express.json(), (req, res) => res.json({ got: req.body }));
app.post('/form', express.urlencoded({ extended: false }), (req, res) => res.json({ got: req.body }));
app.post('/raw', express.raw({ type: '*/*' }), (req, res) => res.json({ length: (req.body as Buffer).length, first: (req.body as Buffer)[0] }));
app.get('/cookies', (_req, res) => {
  res.cookie('a', '1', { httpOnly: true });
  res.cookie('b', '2', { path: '/x' });
  res.cookie('c', '3');
  res.send('cookies');
});
app.get('/redirect', (_req, res) => res.redirect('/elsewhere'));
app.get('/moved', (_req, res) => res.redirect(301, 'https://example.org/'));
app.get('/boom', () => {
  throw new Error('boom');
});
app.get('/async-boom', async () => {
  await new Promise((resolve) => setImmediate(resolve));
  throw Object.assign(new Error('teapot'), { status: 418 });
});
app.use('/gzip', compression({ threshold: 0 }), (_req: Request, res: Response) => {
  res.type('text/plain').send('compressible '.repeat(2000));
});
// Express swaps the prototype of req and res: the adapter's behaviour must survive that.
app.get('/raw-framing', (req, res) => {
  res.setHeader('Transfer-Encoding', 'chunked');
  res.setHeader('Connection', 'close');
  res.writeContinue();
  res.setHeader('X-Distinct', JSON.stringify(req.headersDistinct['user-agent']));
  res.write('a');
  setImmediate(() => res.end('b'));
});
app.get('/backpressure', (_req, res) => {
  const ok = res.write(Buffer.alloc(100_000, 97));
  const before = res.writableNeedDrain;
  res.once('drain', () => {
    res.end(` ok=${ok} before=${before} after=${res.writableNeedDrain}`);
  });
});
app.use((err: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
  res.status(err.status ?? 500).json({ error: err.message });
});

describe('Express 5 runs unchanged', () => {
  test('req facts: ip, protocol, host, path, query', async () => {
    const r = await serve(app, { params: getParams('/info?a=1&b=two', { HTTPS: 'on' }) });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body.toString())).toEqual({
      ip: '192.0.2.10',
      protocol: 'https',
      secure: true,
      host: 'example.test',
      path: '/info',
      query: { a: '1', b: 'two' },
      url: '/info?a=1&b=two',
    });
  });

  test('express.static: a file with ETag, Last-Modified, length; a conditional GET is 304', async () => {
    const r = await serve(app, { params: getParams('/static/hello.txt') });
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('static hello\n');
    expect(headerValues(r, 'content-length')).toEqual(['13']);
    const etag = headerValues(r, 'etag')[0] as string;
    expect(etag).toBeTruthy();
    expect(headerValues(r, 'last-modified')).toHaveLength(1);
    const again = await serve(app, { params: getParams('/static/hello.txt', { HTTP_IF_NONE_MATCH: etag }) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
  });

  test('express.static: a 100 kB file streams intact; HEAD sends the head only; Range works', async () => {
    const big = await serve(app, { params: getParams('/static/big.txt') });
    expect(big.body.length).toBe(100_000);
    expect(big.sink.writes.length).toBeGreaterThan(1);
    const head = await serve(app, { params: getParams('/static/big.txt', { REQUEST_METHOD: 'HEAD' }) });
    expect([head.status, head.body.length, headerValues(head, 'content-length')]).toEqual([200, 0, ['100000']]);
    const range = await serve(app, { params: getParams('/static/big.txt', { HTTP_RANGE: 'bytes=10-19' }) });
    expect([range.status, range.body.toString(), headerValues(range, 'content-range')]).toEqual([206, 'x'.repeat(10), ['bytes 10-19/100000']]);
  });

  test('res.sendFile', async () => {
    const r = await serve(app, { params: getParams('/file') });
    expect([r.status, r.body.toString(), headerValues(r, 'content-type')]).toEqual([200, 'static hello\n', ['text/plain; charset=utf-8']]);
  });

  test('express.json with a body split across chunks', async () => {
    const body = JSON.stringify({ name: 'gw', list: [1, 2, 3] });
    const r = await serve(app, { params: bodyParams('POST', '/json', 'application/json', body.length), body: [body.slice(0, 5), body.slice(5)] });
    expect(JSON.parse(r.body.toString())).toEqual({ got: { name: 'gw', list: [1, 2, 3] } });
  });

  test('express.json with an unknown length (nginx unbuffered: CONTENT_LENGTH "" + chunked)', async () => {
    const body = '{"streamed":true}';
    const r = await serve(app, {
      params: bodyParams('POST', '/json', 'application/json', '', { HTTP_TRANSFER_ENCODING: 'chunked' }),
      body: [body.slice(0, 3), body.slice(3)],
    });
    expect(JSON.parse(r.body.toString())).toEqual({ got: { streamed: true } });
  });

  test('express.urlencoded and express.raw', async () => {
    const form = 'a=1&b=x%20y';
    const f = await serve(app, { params: bodyParams('POST', '/form', 'application/x-www-form-urlencoded', form.length), body: [form] });
    expect(JSON.parse(f.body.toString())).toEqual({ got: { a: '1', b: 'x y' } });
    const raw = Buffer.from([0xff, 0, 1, 2]);
    const r = await serve(app, { params: bodyParams('POST', '/raw', 'application/octet-stream', raw.length), body: [raw] });
    expect(JSON.parse(r.body.toString())).toEqual({ length: 4, first: 255 });
  });

  test('a malformed JSON body reaches the error handler as 400', async () => {
    const r = await serve(app, { params: bodyParams('POST', '/json', 'application/json', 5), body: ['{nope'] });
    expect(r.status).toBe(400);
  });

  test('several cookies are several Set-Cookie lines', async () => {
    const r = await serve(app, { params: getParams('/cookies') });
    expect(headerValues(r, 'set-cookie')).toEqual(['a=1; Path=/; HttpOnly', 'b=2; Path=/x', 'c=3; Path=/']);
  });

  test('redirects', async () => {
    const a = await serve(app, { params: getParams('/redirect') });
    expect([a.status, headerValues(a, 'location')]).toEqual([302, ['/elsewhere']]);
    const b = await serve(app, { params: getParams('/moved') });
    expect([b.status, headerValues(b, 'location')]).toEqual([301, ['https://example.org/']]);
  });

  test('error handlers: a thrown error and a rejected async route', async () => {
    const a = await serve(app, { params: getParams('/boom') });
    expect([a.status, JSON.parse(a.body.toString())]).toEqual([500, { error: 'boom' }]);
    const b = await serve(app, { params: getParams('/async-boom') });
    expect([b.status, JSON.parse(b.body.toString())]).toEqual([418, { error: 'teapot' }]);
  });

  test('404 from the final handler', async () => {
    const r = await serve(app, { params: getParams('/nope') });
    expect(r.status).toBe(404);
  });

  test('after Express swapped the prototypes: no chunking, no connection fields, no interim, headersDistinct', async () => {
    const r = await serve(app, { params: getParams('/raw-framing') });
    expect(r.statusLine).toBe('Status: 200 OK');
    expect(r.headers).toEqual([['X-Powered-By', 'Express'], ['X-Distinct', '["curl/8.0"]']]);
    expect(r.body.toString()).toBe('ab');
  });

  test('after Express swapped the prototypes: write() false, drain, writableNeedDrain cleared', async () => {
    const r = await serve(app, { params: getParams('/backpressure') });
    expect(r.body.subarray(100_000).toString()).toBe(' ok=false before=true after=false');
  });

  test('compression: gzip body of unknown length, written raw (no chunking)', async () => {
    const r = await serve(app, { params: getParams('/gzip', { HTTP_ACCEPT_ENCODING: 'gzip' }) });
    expect(headerValues(r, 'content-encoding')).toEqual(['gzip']);
    expect(headerValues(r, 'transfer-encoding')).toEqual([]);
    expect(headerValues(r, 'content-length')).toEqual([]);
    expect(gunzipSync(r.body).toString()).toBe('compressible '.repeat(2000));
  });
});
