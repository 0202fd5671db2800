import { describe, expect, it } from 'vitest';
import { fixture, request, startGw, useGwBin } from './serve-helpers.js';

// Every kind of export `gw serve APP` accepts, each served in its own gw process over FastCGI
// (the default protocol), plus the exports it refuses.
const gw = useGwBin();

const kinds: [file: string, kind: string, logged: RegExp][] = [
  ['listener.mjs', 'listener', /request listener/],
  ['listener.cjs', 'commonjs', /request listener/],
  ['transpiled.cjs', 'transpiled', /request listener/],
  ['express.cjs', 'express', /Express\/Connect app/],
  ['koa.mjs', 'koa', /Koa app/],
  ['fastify.mjs', 'fastify', /Fastify instance/],
  ['hono.mjs', 'hono', /\{ fetch \} handler/],
  ['fetch-object.mjs', 'fetch-object', /\{ fetch \} handler/],
  ['http-server.mjs', 'http-server', /http\.Server/],
  ['factory.mjs', 'factory', /\{ fetch \} handler \(from a factory\)/],
];

describe('gw serve: export kinds', () => {
  it.each(kinds)('serves %s (%s)', async (file, kind, logged) => {
    const server = startGw(gw, ['--listen', '127.0.0.1:0', fixture(file)]);
    const endpoint = await server.listening();
    expect(server.stderr).toMatch(logged);
    const get = await request('fastcgi', endpoint, { uri: '/path?q=1' });
    expect(get.status).toBe(200);
    expect(get.json()).toMatchObject({ kind, pid: server.pid, method: 'GET', url: '/path?q=1', body: '' });
    const post = await request('fastcgi', endpoint, { method: 'POST', uri: '/submit', body: 'a=1&b=\u00e9' });
    expect(post.json()).toMatchObject({ kind, method: 'POST', url: '/submit', body: 'a=1&b=\u00e9' });
    expect(await server.stop()).toEqual({ code: 0, signal: null });
  });

  it('runs a Fastify instance\'s onClose hooks at shutdown', async () => {
    const server = startGw(gw, ['--listen', '127.0.0.1:0', fixture('fastify.mjs')]);
    await server.listening();
    expect(await server.stop()).toEqual({ code: 0, signal: null });
    expect(server.stderr).toContain('fixture: fastify onClose ran');
  });
});

describe('gw serve: exports it cannot serve', () => {
  const refusals: [what: string, file: string, code: string][] = [
    ['a missing module', 'no-such-app.mjs', 'GW_ERR_SERVE_MODULE_NOT_FOUND'],
    ['an object that is no application', 'bad-export.mjs', 'GW_ERR_SERVE_BAD_EXPORT'],
    ['a module without a default export', 'no-default.mjs', 'GW_ERR_SERVE_BAD_EXPORT'],
    ['a module that throws when imported', 'throws.mjs', 'GW_ERR_SERVE_MODULE_FAILED'],
  ];

  it.each(refusals)('exits 2 for %s', async (_what, file, code) => {
    const server = startGw(gw, ['--listen', '127.0.0.1:0', fixture(file)]);
    expect(await server.exited).toEqual({ code: 2, signal: null });
    expect(server.stderr).toContain(`error ${code}: `);
    expect(server.stderr).not.toContain('listening on');
  });

  it('says what it found instead of an application', async () => {
    const server = startGw(gw, ['--listen', '127.0.0.1:0', fixture('bad-export.mjs')]);
    await server.exited;
    // The keys of the exported object are named, so the user sees what was exported.
    expect(server.stderr).toMatch(/port, routes/);
  });
});
