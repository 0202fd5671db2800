import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fixture, parseHead, useGwBin } from './serve-helpers.js';

// `gw serve --protocol cgi APP`: one request from the environment and stdin, answered on stdout,
// as Apache's mod_cgi or lighttpd's mod_cgi run a program.
const gw = useGwBin();

interface CgiRun {
  code: number | null;
  pid: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs gw as a web server runs a CGI program: a fresh environment of CGI variables, the body on stdin. */
function runCgi(args: string[], vars: Record<string, string>, stdin = ''): Promise<CgiRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [gw.path, 'serve', ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', GATEWAY_INTERFACE: 'CGI/1.1', SERVER_PROTOCOL: 'HTTP/1.1', SERVER_NAME: 'example.test', SERVER_PORT: '80', REMOTE_ADDR: '192.0.2.1', ...vars },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    child.stdin.on('error', () => {}); // the program may exit without reading everything
    child.stdin.end(stdin);
    child.on('close', (code) => resolve({ code, pid: child.pid as number, stdout: Buffer.concat(out), stderr }));
  });
}

describe('gw serve --protocol cgi', () => {
  it('answers one POST: body read from stdin up to CONTENT_LENGTH, response bytes on stdout, exit 0', async () => {
    const r = await runCgi(['--protocol', 'cgi', fixture('listener.mjs')], {
      REQUEST_METHOD: 'POST',
      REQUEST_URI: '/cgi?x=1',
      SCRIPT_NAME: '/cgi',
      QUERY_STRING: 'x=1',
      CONTENT_TYPE: 'text/plain',
      CONTENT_LENGTH: '5',
      HTTP_HOST: 'example.test',
    }, 'helloTRAILING-BYTES');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const body = JSON.stringify({ kind: 'listener', pid: r.pid, method: 'POST', url: '/cgi?x=1', body: 'hello' });
    expect(r.stdout.toString('latin1')).toBe(
      `Status: 200 OK\r\ncontent-type: application/json\r\nx-fixture: listener\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
  });

  it('serves a Fetch ({ fetch }) application the same way', async () => {
    const r = await runCgi(['-p', 'cgi', fixture('hono.mjs')], { REQUEST_METHOD: 'GET', REQUEST_URI: '/h', HTTP_HOST: 'example.test' });
    expect(r.code).toBe(0);
    const reply = parseHead(r.stdout);
    expect(reply.status).toBe(200);
    expect(reply.json()).toMatchObject({ kind: 'hono', method: 'GET', url: '/h', body: '' });
  });

  it('exits 1 after answering 500 when the handler throws, the error on stderr', async () => {
    const r = await runCgi(['-p', 'cgi', fixture('listener.mjs')], { REQUEST_METHOD: 'GET', REQUEST_URI: '/crash' });
    expect(r.code).toBe(1);
    expect(parseHead(r.stdout).status).toBe(500);
    expect(r.stderr).toContain('request handler failed: Error: fixture crash');
  });

  it('exits 2 with nothing on stdout when the module is missing', async () => {
    const r = await runCgi(['-p', 'cgi', fixture('missing.mjs')], { REQUEST_METHOD: 'GET', REQUEST_URI: '/' });
    expect(r.code).toBe(2);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toContain('error GW_ERR_SERVE_MODULE_NOT_FOUND: ');
  });

  it('refuses server flags, which mean nothing for one request', async () => {
    const r = await runCgi(['-p', 'cgi', '--workers', '2', fixture('listener.mjs')], { REQUEST_METHOD: 'GET' });
    expect(r.code).toBe(2);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toContain('Usage: gw serve');
  });
});
