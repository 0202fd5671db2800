import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { NodeRequestListener } from '@gw/node-http';
import { bodyParams, getParams, serve } from './helpers/exchange.js';
import { headerValues } from './helpers/fake-sink.js';

// Fastify hands its request handler to serverFactory; the server is never listened on.
let handler: NodeRequestListener | undefined;
const app = Fastify({
  serverFactory: (fastifyHandler) => {
    handler = fastifyHandler as (req: IncomingMessage, res: ServerResponse) => void;
    return createServer(fastifyHandler);
  },
});
app.get('/info', async (request) => ({ ip: request.ip, protocol: request.protocol, host: request.host, query: request.query, url: request.url }));
app.post('/json', async (request) => ({ got: request.body }));
app.put('/text', async (request, reply) => {
  reply.header('content-type', 'text/plain');
  return `len=${(request.body as string).length}`;
});
app.get('/reply', (_request, reply) => {
  reply.code(201).header('x-a', '1').header('set-cookie', ['a=1', 'b=2']).send('created');
});
app.get('/redirect', (_request, reply) => reply.redirect('/elsewhere'));
app.get('/fail', async () => {
  throw Object.assign(new Error('nope'), { statusCode: 409 });
});
app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_req, body, done) => done(null, body));

beforeAll(async () => {
  await app.ready();
});
afterAll(async () => {
  await app.close();
});

const run = (options: Parameters<typeof serve>[1]) => serve((req, res) => (handler as NodeRequestListener)(req, res), options);

describe('Fastify 5 (serverFactory) runs unchanged', () => {
  test('request facts', async () => {
    const r = await run({ params: getParams('/info?x=1', { HTTPS: 'on' }) });
    expect(JSON.parse(r.body.toString())).toEqual({ ip: '192.0.2.10', protocol: 'https', host: 'example.test', query: { x: '1' }, url: '/info?x=1' });
    expect(headerValues(r, 'content-length')).toHaveLength(1);
  });

  test('JSON body, split across chunks', async () => {
    const body = JSON.stringify({ a: [1, 2], b: 'c' });
    const r = await run({ params: bodyParams('POST', '/json', 'application/json', body.length), body: [body.slice(0, 4), body.slice(4)] });
    expect(JSON.parse(r.body.toString())).toEqual({ got: { a: [1, 2], b: 'c' } });
  });

  test('a body of unknown length (CONTENT_LENGTH "" + Transfer-Encoding) is parsed', async () => {
    const body = '{"streamed":1}';
    const r = await run({ params: bodyParams('POST', '/json', 'application/json', '', { HTTP_TRANSFER_ENCODING: 'chunked' }), body: [body] });
    expect(JSON.parse(r.body.toString())).toEqual({ got: { streamed: 1 } });
  });

  test('a custom content-type parser', async () => {
    const r = await run({ params: bodyParams('PUT', '/text', 'text/plain', 6), body: ['abc', 'def'] });
    expect(r.body.toString()).toBe('len=6');
  });

  test('reply: status, headers, several cookies, redirect, errors', async () => {
    const reply = await run({ params: getParams('/reply') });
    expect([reply.status, reply.body.toString(), headerValues(reply, 'x-a'), headerValues(reply, 'set-cookie')]).toEqual([201, 'created', ['1'], ['a=1', 'b=2']]);
    const redirect = await run({ params: getParams('/redirect') });
    expect([redirect.status, headerValues(redirect, 'location')]).toEqual([302, ['/elsewhere']]);
    const fail = await run({ params: getParams('/fail') });
    expect([fail.status, JSON.parse(fail.body.toString()).message]).toEqual([409, 'nope']);
    const missing = await run({ params: getParams('/missing') });
    expect(missing.status).toBe(404);
  });

  test('HEAD routes (exposeHeadRoutes)', async () => {
    const r = await run({ params: getParams('/info', { REQUEST_METHOD: 'HEAD' }) });
    expect([r.status, r.body.length]).toEqual([200, 0]);
    expect(headerValues(r, 'content-type')[0]).toMatch(/^application\/json/);
  });
});
