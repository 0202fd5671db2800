/**
 * The same handler behind a real http.createServer and behind the adapter must give the same
 * status, reason, body and end-to-end headers. Only what differs by design is left out: framing
 * and connection fields (Transfer-Encoding, Connection, Keep-Alive) and Date.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParamList } from '@gw/core';
import express from 'express';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { NodeRequestListener } from '@gw/node-http';
import { serve } from './helpers/exchange.js';

const NOT_END_TO_END = new Set(['transfer-encoding', 'connection', 'keep-alive', 'date']);

interface Observed {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: Buffer;
}

interface Call {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

let server: Server;
let current: NodeRequestListener = () => {};
/** What the real server's request looked like, to feed the adapter the same request. */
let seen: { method: string; url: string; rawHeaders: string[] } | undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen = { method: req.method as string, url: req.url as string, rawHeaders: req.rawHeaders };
    current(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

function viaNode(call: Call): Promise<Observed> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: call.method, path: call.path, headers: call.headers, agent: false }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers: [string, string][] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) headers.push([res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string]);
        resolve({ status: res.statusCode as number, statusText: res.statusMessage as string, headers, body: Buffer.concat(chunks) });
      });
    });
    req.on('error', reject);
    req.end(call.body);
  });
}

/** CGI variables nginx would send for the request the real server saw. */
function paramsFor(request: NonNullable<typeof seen>): ParamList {
  const q = request.url.indexOf('?');
  const pairs: [string, string][] = [
    ['REQUEST_METHOD', request.method],
    ['REQUEST_URI', request.url],
    ['QUERY_STRING', q < 0 ? '' : request.url.slice(q + 1)],
    ['SERVER_PROTOCOL', 'HTTP/1.1'],
    ['REMOTE_ADDR', '127.0.0.1'],
  ];
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = (request.rawHeaders[i] as string).toLowerCase();
    const value = request.rawHeaders[i + 1] as string;
    if (name === 'content-type') pairs.push(['CONTENT_TYPE', value]);
    if (name === 'content-length') pairs.push(['CONTENT_LENGTH', value]);
    pairs.push([`HTTP_${name.toUpperCase().replaceAll('-', '_')}`, value]);
  }
  return ParamList.from(pairs);
}

async function compare(handler: NodeRequestListener, call: Call): Promise<Observed> {
  current = handler;
  seen = undefined;
  const real = await viaNode(call);
  const adapted = await serve(handler, { params: paramsFor(seen as NonNullable<typeof seen>), body: call.body === undefined ? [] : [call.body] });
  const endToEnd = (headers: [string, string][]) => headers.filter(([name]) => !NOT_END_TO_END.has(name.toLowerCase()));
  expect(adapted.status).toBe(real.status);
  expect(adapted.statusText).toBe(real.statusText);
  expect(endToEnd(adapted.headers)).toEqual(endToEnd(real.headers));
  expect(adapted.body.equals(real.body)).toBe(true);
  expect(adapted.headers.filter(([name]) => NOT_END_TO_END.has(name.toLowerCase()))).toEqual([]);
  return real;
}

const dir = mkdtempSync(join(tmpdir(), 'gw-diff-'));
writeFileSync(join(dir, 'page.html'), '<p>hi</p>\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const app = express();
app.use('/static', express.static(dir, { lastModified: false }));
app.post('/json', express.json(), (req, res) => res.status(201).json({ got: req.body, headers: req.headers['x-trace'] }));
app.get('/cookies', (_req, res) => {
  res.cookie('a', '1').cookie('b', '2', { httpOnly: true }).redirect(303, '/next');
});

describe('same answer as node:http', () => {
  test('setHeader + end(string)', async () => {
    await compare((_req, res) => {
      res.setHeader('Content-Type', 'text/plain');
      res.end('hello world!\n');
    }, { method: 'GET', path: '/' });
  });

  test('writeHead with a reason and an array of headers, several cookies', async () => {
    await compare((_req, res) => {
      res.writeHead(299, 'Custom Reason', ['X-B', '2', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'X-A', '1']);
      res.end(Buffer.from([0, 1, 2]));
    }, { method: 'GET', path: '/' });
  });

  test('streamed body of unknown length (chunked on TCP, raw here)', async () => {
    const real = await compare((_req, res) => {
      res.setHeader('Content-Type', 'text/plain');
      res.write('a');
      setImmediate(() => {
        res.write(Buffer.alloc(70_000, 98));
        res.end('c');
      });
    }, { method: 'GET', path: '/' });
    expect(real.headers.some(([name, value]) => name === 'Transfer-Encoding' && value === 'chunked')).toBe(true);
  });

  test('echo of the request: method, url, headers, body', async () => {
    await compare(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const { 'content-length': _cl, ...headers } = req.headers;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ method: req.method, url: req.url, version: req.httpVersion, headers, body: Buffer.concat(chunks).toString() }));
    }, { method: 'PUT', path: '/a/b?c=d&e', headers: { 'X-Trace': 't-1', 'Content-Type': 'text/plain', Cookie: 'k=v' }, body: 'payload' });
  });

  test('HEAD, 204 and 304', async () => {
    const handler: NodeRequestListener = (req, res) => {
      res.statusCode = req.url === '/204' ? 204 : req.url === '/304' ? 304 : 200;
      res.setHeader('ETag', '"x"');
      res.end('body');
    };
    await compare(handler, { method: 'HEAD', path: '/' });
    await compare(handler, { method: 'GET', path: '/204' });
    await compare(handler, { method: 'GET', path: '/304' });
  });

  test('Express: static file, JSON body, cookies + redirect, 404', async () => {
    await compare(app, { method: 'GET', path: '/static/page.html' });
    await compare(app, { method: 'POST', path: '/json', headers: { 'Content-Type': 'application/json', 'X-Trace': 'z' }, body: '{"a":1}' });
    await compare(app, { method: 'GET', path: '/cookies' });
    await compare(app, { method: 'GET', path: '/nope' });
  });
});
