// Shared by the serve*.test.ts files: the bundled `gw` executable, child processes running
// `gw serve`, and minimal FastCGI / SCGI / uwsgi clients written from the specs (they share no
// code with the servers under test; FastCGI records come from @gw/test-utils' byte builder).
import { type ChildProcess, spawn, type StdioOptions } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fcgiPair, fcgiRecord } from '@gw/test-utils';
import { build } from 'tsup';
import { afterEach, beforeAll } from 'vitest';

const packageRoot = fileURLToPath(new URL('../', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const outDir = `${packageRoot}.tmp`;

/** Absolute path of a file in test/fixtures. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

/**
 * The `gw` executable for the calling test file: src/bin.ts bundled with the workspace sources
 * inlined (as bin.test.ts does), in `.tmp/` one level below the package root like dist/bin.js.
 * The serve test files share one bundle named after a hash of the sources it is built from
 * (built once, to a private name, then renamed into place, so files running in parallel never
 * see half a file). Every `gw serve` child a file starts is stopped after each test.
 */
export function useGwBin(): { readonly path: string } {
  const bin = { path: '' };
  beforeAll(async () => {
    const name = `gw-serve-${sourcesHash()}`;
    bin.path = `${outDir}/${name}.js`;
    if (existsSync(bin.path)) return;
    mkdirSync(outDir, { recursive: true });
    // One file builds; the others, started at the same moment, wait for its bundle.
    const lock = `${outDir}/${name}.lock`;
    try {
      closeSync(openSync(lock, 'wx'));
    } catch {
      await waitForFile(bin.path, lock);
      if (existsSync(bin.path)) return;
    }
    try {
      const privateName = `${name}-${process.pid}-${Math.random().toString(36).slice(2)}`;
      await build({
        config: false,
        entry: { [privateName]: `${packageRoot}src/bin.ts` },
        outDir,
        format: ['esm'],
        platform: 'node',
        target: 'node20',
        tsconfig: `${repoRoot}tsconfig.json`,
        noExternal: [/^@gw\//],
        dts: false,
        sourcemap: false,
        clean: false,
        silent: true,
      });
      renameSync(`${outDir}/${privateName}.js`, bin.path);
    } finally {
      rmSync(lock, { force: true });
    }
    removeOldBundles(bin.path);
  }, 120_000);
  afterEach(async () => {
    await Promise.all([...running].map((gw) => gw.stop()));
  });
  return bin;
}

/**
 * Waits until `path` exists or `lock` is gone (its builder finished or failed), at most 100 s;
 * a lock older than 2 minutes was left by a run that died and is not waited for.
 */
async function waitForFile(path: string, lock: string): Promise<void> {
  for (let waited = 0; waited < 100_000 && !existsSync(path); waited += 100) {
    try {
      if (Date.now() - statSync(lock).mtimeMs > 120_000) return;
    } catch {
      return; // no lock: the builder is done
    }
    await sleep(100);
  }
}

/** Identifies the sources a bundle is built from: paths, sizes and mtimes of every src file. */
function sourcesHash(): string {
  const hash = createHash('sha256');
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) walk(child);
      else {
        const stat = statSync(child);
        hash.update(`${child}\0${stat.size}\0${stat.mtimeMs}\0`);
      }
    }
  };
  for (const pkg of ['cli', 'core', 'fastcgi', 'scgi', 'uwsgi', 'node-http']) walk(`${repoRoot}packages/${pkg}/src`);
  return hash.digest('hex').slice(0, 16);
}

/** Bundles of earlier sources, untouched for 10 minutes (no run still uses them). */
function removeOldBundles(current: string): void {
  for (const name of readdirSync(outDir)) {
    const path = `${outDir}/${name}`;
    if (!name.startsWith('gw-serve-') || !name.endsWith('.js') || path === current) continue;
    try {
      if (Date.now() - statSync(path).mtimeMs > 10 * 60_000) rmSync(path, { force: true });
    } catch {}
  }
}

/** Where a server listens: TCP or a unix socket. */
export type Endpoint = { host: string; port: number } | { path: string };

/** How a `gw serve` child ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const running = new Set<GwProcess>();

/** Options of {@link startGw}. */
export interface StartOptions {
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** stdio entries: [stdin, stdout, stderr, fd 3…]; stdout/stderr are always piped. Default stdin 'ignore'. */
  stdin?: 'ignore' | 'pipe' | number;
  fd3?: number;
  cwd?: string;
  /** argv[0] and leading arguments replacing `node BIN` (e.g. a shell wrapper). */
  command?: [string, ...string[]];
}

/** `gw serve ARGS` running in a child process, with its output collected. */
export class GwProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  stdout = '';
  stderr = '';
  #exit: Exit | undefined;
  #waiters: (() => void)[] = [];

  constructor(bin: string, args: string[], options: StartOptions = {}) {
    const stdio: StdioOptions = [options.stdin ?? 'ignore', 'pipe', 'pipe'];
    if (options.fd3 !== undefined) stdio.push(options.fd3);
    const [command, ...prefix] = options.command ?? [process.execPath];
    this.child = spawn(command, [...prefix, bin, 'serve', ...args], { stdio, env: { ...process.env, ...options.env }, cwd: options.cwd });
    this.child.stdout?.setEncoding('latin1').on('data', (text: string) => {
      this.stdout += text;
    });
    this.child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      this.stderr += text;
      for (const wake of this.#waiters.splice(0)) wake();
    });
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        this.#exit = { code, signal };
        running.delete(this);
        for (const wake of this.#waiters.splice(0)) wake();
        resolve(this.#exit);
      });
    });
    running.add(this);
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /**
   * Resolves with the first match of `pattern` in stderr at or after offset `from`; rejects when
   * the process exits first or after `timeoutMs`.
   */
  async waitForLog(pattern: RegExp, from = 0, timeoutMs = 20_000): Promise<RegExpExecArray & { end: number }> {
    const deadline = Date.now() + timeoutMs;
    const flags = pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`;
    for (;;) {
      const re = new RegExp(pattern.source, flags);
      re.lastIndex = from;
      const match = re.exec(this.stderr);
      if (match !== null) return Object.assign(match, { end: match.index + match[0].length });
      if (this.#exit !== undefined) throw new Error(`gw exited (${JSON.stringify(this.#exit)}) before logging ${pattern}; stderr:\n${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${pattern}; stderr:\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for the "listening on …" line and returns where to connect. */
  async listening(): Promise<Endpoint> {
    const match = await this.waitForLog(/listening on (fd:\d+ \([^)]+\)|\S+) \(/);
    return endpointOf(match[1] as string);
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL after 10 s; resolves when it exited. */
  async stop(): Promise<Exit> {
    if (this.#exit !== undefined) return this.#exit;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }
}

/** Starts `gw serve ARGS`. */
export function startGw(bin: { path: string }, args: string[], options?: StartOptions): GwProcess {
  return new GwProcess(bin.path, args, options);
}

/** Where to connect for an address as the log prints it: `h:p`, `[v6]:p`, `unix:PATH`, `fd:N (h:p)`. */
export function endpointOf(address: string): Endpoint {
  const inner = /^fd:\d+ \((.+)\)$/.exec(address);
  const text = inner === null ? address : (inner[1] as string);
  if (text.startsWith('unix:')) return { path: text.slice(5) };
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text);
  if (text.startsWith('fd:')) throw new Error(`the log does not say where ${address} is bound`);
  if (match === null) throw new Error(`cannot connect to ${address}`);
  return { host: match[1] as string, port: Number(match[2]) };
}

/** A request to send through a gateway protocol. */
export interface RequestSpec {
  method?: string;
  uri?: string;
  body?: string | Buffer;
  /** Extra or replacing CGI variables. */
  params?: Record<string, string>;
}

/** A parsed gateway response. */
export interface GatewayResponse {
  status: number;
  /** Lower-cased names; every value in order. */
  headers: Record<string, string[]>;
  body: Buffer;
  /** The body parsed as JSON (the fixtures answer JSON). */
  json(): { kind: string; pid: number; method: string; url: string; body: string };
}

/** CGI variables of `spec`, as nginx's fastcgi_params would send them. */
export function cgiVariables(spec: RequestSpec): [string, string][] {
  const uri = spec.uri ?? '/';
  const query = uri.includes('?') ? uri.slice(uri.indexOf('?') + 1) : '';
  const path = uri.includes('?') ? uri.slice(0, uri.indexOf('?')) : uri;
  const body = spec.body === undefined ? undefined : Buffer.from(spec.body);
  const vars: Record<string, string> = {
    REQUEST_METHOD: spec.method ?? (body === undefined ? 'GET' : 'POST'),
    REQUEST_URI: uri,
    SCRIPT_NAME: path,
    QUERY_STRING: query,
    SERVER_PROTOCOL: 'HTTP/1.1',
    SERVER_NAME: 'example.test',
    SERVER_PORT: '80',
    REMOTE_ADDR: '127.0.0.1',
    REMOTE_PORT: '50000',
    HTTP_HOST: 'example.test',
    CONTENT_LENGTH: body === undefined ? '' : String(body.length),
    CONTENT_TYPE: body === undefined ? '' : 'text/plain',
    ...spec.params,
  };
  return Object.entries(vars);
}

/** The gateway protocols the servers speak. */
export type GatewayProtocol = 'fastcgi' | 'scgi' | 'uwsgi';

/** Sends one request over a new connection and parses the answer. */
export async function request(protocol: GatewayProtocol, endpoint: Endpoint, spec: RequestSpec = {}): Promise<GatewayResponse> {
  return parseHead(await responseBytes(protocol, endpoint, spec));
}

/** Sends one request and returns the response bytes (FastCGI: the STDOUT stream, unframed). */
export async function responseBytes(protocol: GatewayProtocol, endpoint: Endpoint, spec: RequestSpec = {}): Promise<Buffer> {
  const body = spec.body === undefined ? Buffer.alloc(0) : Buffer.from(spec.body);
  const vars = cgiVariables(spec);
  switch (protocol) {
    case 'fastcgi':
      return fastcgiStdout((await exchange(endpoint, fastcgiRequestBytes(vars, body))).bytes);
    case 'scgi':
      return (await exchange(endpoint, Buffer.concat([scgiHead(vars), body]))).bytes;
    case 'uwsgi':
      return (await exchange(endpoint, Buffer.concat([uwsgiHead(vars), body]))).bytes;
  }
}

/** What came back on a connection: every byte until the server closed it, and the error if it failed. */
export interface RawReply {
  bytes: Buffer;
  error: string | undefined;
}

/** Writes `bytes`, half-closes nothing (FastCGI servers may close first), reads until close. */
export function exchange(endpoint: Endpoint, bytes: Buffer): Promise<RawReply> {
  return new Promise((resolve) => {
    const socket = connect(endpoint as { port: number; host: string });
    const chunks: Buffer[] = [];
    let error: string | undefined;
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      error = err.code ?? err.message;
    });
    socket.on('close', () => resolve({ bytes: Buffer.concat(chunks), error }));
  });
}

/** BEGIN_REQUEST (responder, no keep-conn), PARAMS, empty PARAMS, STDIN, empty STDIN (spec §5). */
export function fastcgiRequestBytes(vars: [string, string][], body: Buffer): Buffer {
  const begin = Buffer.from([0, 1, 0, 0, 0, 0, 0, 0]);
  const stdin: Buffer[] = [];
  for (let at = 0; at < body.length; at += 65535) stdin.push(fcgiRecord(5, 1, body.subarray(at, at + 65535)));
  return Buffer.concat([
    fcgiRecord(1, 1, begin),
    fcgiRecord(4, 1, Buffer.concat(vars.map(([name, value]) => fcgiPair(name, Buffer.from(value, 'utf8'))))),
    fcgiRecord(4, 1),
    ...stdin,
    fcgiRecord(5, 1),
  ]);
}

/** STDOUT of request 1, walking the 8-byte record headers; throws without an END_REQUEST. */
export function fastcgiStdout(bytes: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  let ended = false;
  while (at + 8 <= bytes.length) {
    const type = bytes[at + 1] as number;
    const length = bytes.readUInt16BE(at + 4);
    const padding = bytes[at + 6] as number;
    const content = bytes.subarray(at + 8, at + 8 + length);
    if (type === 6) out.push(content);
    if (type === 3) ended = true;
    at += 8 + length + padding;
  }
  if (!ended) throw new Error(`no FCGI_END_REQUEST in ${bytes.length} bytes`);
  return Buffer.concat(out);
}

/** SCGI request head: netstring of NUL-terminated pairs, CONTENT_LENGTH first, SCGI=1 (protocol.txt). */
function scgiHead(vars: [string, string][]): Buffer {
  const length = vars.find(([name]) => name === 'CONTENT_LENGTH')?.[1] || '0';
  const pairs = [['CONTENT_LENGTH', length], ['SCGI', '1'], ...vars.filter(([name]) => name !== 'CONTENT_LENGTH')];
  const block = Buffer.concat(pairs.map(([name, value]) => Buffer.from(`${name}\0${value}\0`, 'utf8')));
  return Buffer.concat([Buffer.from(`${block.length}:`), block, Buffer.from(',')]);
}

/** uwsgi packet header (modifier1 0, little-endian datasize, modifier2 0) and vars block. */
function uwsgiHead(vars: [string, string][]): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of vars) {
    for (const text of [name, value]) {
      const bytes = Buffer.from(text, 'utf8');
      const size = Buffer.alloc(2);
      size.writeUInt16LE(bytes.length);
      parts.push(size, bytes);
    }
  }
  const block = Buffer.concat(parts);
  const header = Buffer.from([0, block.length & 0xff, block.length >> 8, 0]);
  return Buffer.concat([header, block]);
}

/** Reads a CGI (`Status: 200 OK`) or HTTP (`HTTP/1.1 200 OK`) head and the body after it. */
export function parseHead(bytes: Buffer): GatewayResponse {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`no response head in ${JSON.stringify(bytes.toString('latin1').slice(0, 200))}`);
  const lines = bytes.toString('latin1', 0, end).split('\r\n');
  const headers: Record<string, string[]> = {};
  let status = 200;
  const first = lines[0] as string;
  const statusLine = /^HTTP\/\d\.\d (\d{3})/.exec(first);
  if (statusLine !== null) {
    status = Number(statusLine[1]);
    lines.shift();
  }
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'status') status = Number(value.slice(0, 3));
    else headers[name] = [...(headers[name] ?? []), value];
  }
  const body = bytes.subarray(end + 4);
  return { status, headers, body, json: () => JSON.parse(body.toString('utf8')) };
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
