import { once } from 'node:events';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type ScgiServer } from '@gw/scgi';
import { parseProxyArgs, proxyCommand } from '../src/proxy/command.js';

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

let app: ScgiServer | undefined;
afterEach(async () => {
  if (app) await new Promise((r) => app?.close(r));
  app = undefined;
});

describe('gw proxy', () => {
  it('parses listen forms and prefixed upstreams', () => {
    const parsed = parseProxyArgs(['--listen', '9000', '--upstream', '/api=scgi://127.0.0.1:4000', '--upstream', 'fastcgi://unix:/run/x.sock', '--root', '/srv']);
    expect(parsed.help).toBe(false);
    if (parsed.help) return;
    expect(parsed.options.listen).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(parsed.options.routes.map((r) => [r.prefix, r.upstream, r.documentRoot])).toEqual([
      ['/api', 'scgi://127.0.0.1:4000', '/srv'],
      ['/', 'fastcgi://unix:/run/x.sock', '/srv'],
    ]);
    expect(() => parseProxyArgs([])).toThrow(/--upstream/);
    expect(() => parseProxyArgs(['--upstream', 'x', '--listen', 'nope'])).toThrow(/--listen/);
  });

  it('forwards HTTP requests to an SCGI app until SIGTERM', async () => {
    app = createServer((req, res) => res.end(`app saw ${req.method} ${req.url}`));
    app.listen(0, '127.0.0.1');
    await once(app, 'listening');
    const appPort = (app.address() as { port: number }).port;
    const stderr: string[] = [];
    const io = { stdout: process.stdout, stdin: process.stdin, version: '0', demoCapture: undefined, stderr: { write: (s: string) => stderr.push(s) } };
    const done = proxyCommand(['--listen', '127.0.0.1:0', '--upstream', `scgi://127.0.0.1:${appPort}`], io as never);
    while (!stderr.join('').includes('listening on')) await new Promise((r) => setTimeout(r, 20));
    const port = Number(/:(\d+)\n/.exec(stderr.join(''))?.[1]);
    const res = await get(port, '/hello?x=1');
    expect(res).toEqual({ status: 200, body: 'app saw GET /hello?x=1' });
    process.emit('SIGTERM');
    expect(await done).toBe(0);
  });
});
