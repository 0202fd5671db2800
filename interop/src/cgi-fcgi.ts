import { spawn } from 'node:child_process';
import { type CgiResponse, parseCgiResponse } from './cgi-response.js';
import { type Upstream, upstreamHost } from './upstream.js';

/** Options of `runCgiFcgi`. */
export interface CgiFcgiOptions {
  connect: Upstream;
  /**
   * The CGI environment. cgi-fcgi forwards its *whole* environment as FastCGI PARAMS, so this
   * is all it gets (plus nothing inherited): give it what a web server would.
   */
  env: Record<string, string>;
  /** Request body, fed on stdin (set CONTENT_LENGTH to match). Default empty. */
  body?: Buffer;
  /** Kill cgi-fcgi (by PID) after this long, ms. Default 15000. */
  timeoutMs?: number;
}

/** What cgi-fcgi printed. */
export interface CgiFcgiResult {
  code: number | null;
  /** The application's STDOUT, i.e. the CGI response. */
  stdout: Buffer;
  /** The application's STDERR (cgi-fcgi copies FastCGI STDERR to its own stderr). */
  stderr: string;
  /** `stdout` parsed; null if it is not a CGI response. */
  response: CgiResponse | null;
}

/**
 * Runs libfcgi's `cgi-fcgi -bind -connect HOST:PORT|PATH` once: a CGI program that relays one
 * request (environment → PARAMS, stdin → STDIN) to a FastCGI application and prints the answer.
 */
export function runCgiFcgi(options: CgiFcgiOptions): Promise<CgiFcgiResult> {
  const target = 'socket' in options.connect ? options.connect.socket : `${upstreamHost(options.connect)}:${options.connect.port}`;
  return new Promise((resolve, reject) => {
    const child = spawn('cgi-fcgi', ['-bind', '-connect', target], { env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.stdin.on('error', () => {}); // cgi-fcgi may exit before reading all of stdin
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, options.timeoutMs ?? 15_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out);
      let response: CgiResponse | null = null;
      try {
        response = parseCgiResponse(stdout);
      } catch {
        // left null: the test shows stdout
      }
      resolve({ code, stdout, stderr: Buffer.concat(err).toString('latin1'), response });
    });
    child.stdin.end(options.body ?? Buffer.alloc(0));
  });
}

/** A CGI environment for one request, as a web server would build it. */
export function cgiEnvironment(request: { method: string; uri: string; body?: Buffer; headers?: Record<string, string> }): Record<string, string> {
  const [path = '', query = ''] = request.uri.split('?');
  const env: Record<string, string> = {
    PATH: '/usr/bin:/bin',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    SERVER_SOFTWARE: 'gw-interop',
    SERVER_NAME: 'interop.test',
    SERVER_PORT: '80',
    REMOTE_ADDR: '127.0.0.1',
    REQUEST_METHOD: request.method,
    SCRIPT_NAME: path,
    QUERY_STRING: query,
    REQUEST_URI: request.uri,
  };
  if (request.body !== undefined) {
    env.CONTENT_LENGTH = String(request.body.length);
    env.CONTENT_TYPE = 'application/octet-stream';
  }
  for (const [name, value] of Object.entries(request.headers ?? {})) env[`HTTP_${name.toUpperCase().replace(/-/g, '_')}`] = value;
  return env;
}
