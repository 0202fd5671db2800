import { ParamList } from '@gw/core';
import type { HeadFormat, ResponseSink } from '@gw/node-http';

/** One call of ResponseSink.write, as received. */
export interface SinkWrite {
  chunks: Buffer[];
  end: boolean;
}

/** A parsed response head + body, from the bytes a sink received. */
export interface ParsedResponse {
  /** First line of the head, e.g. `Status: 200 OK` or `HTTP/1.1 200 OK`. */
  statusLine: string;
  status: number;
  statusText: string;
  /** Header lines in order, names as written. */
  headers: [string, string][];
  body: Buffer;
}

/**
 * A ResponseSink that records every call. `full = true` makes write() return false (a slow
 * connection) until the test calls `exchange.drain()` itself.
 */
export class FakeSink implements ResponseSink {
  readonly headFormat: HeadFormat;
  readonly writes: SinkWrite[] = [];
  aborts: (Error | undefined)[] = [];
  resumes = 0;
  full = false;
  #waiters: (() => void)[] = [];

  constructor(headFormat: HeadFormat = 'cgi') {
    this.headFormat = headFormat;
  }

  write(chunks: Buffer[], end: boolean): boolean {
    if (this.ended || this.aborts.length > 0) throw new Error('sink written after end/abort');
    this.writes.push({ chunks, end });
    if (end) this.#wake();
    return !this.full;
  }

  abort(error: Error | undefined): void {
    this.aborts.push(error);
    this.#wake();
  }

  resumeBody(): void {
    this.resumes++;
  }

  /** True once a write had end = true. */
  get ended(): boolean {
    return this.writes.some((w) => w.end);
  }

  /** Everything written, concatenated. */
  get bytes(): Buffer {
    return Buffer.concat(this.writes.flatMap((w) => w.chunks));
  }

  /** Resolves at the end write or an abort. */
  done(): Promise<void> {
    if (this.ended || this.aborts.length > 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** The bytes parsed as a head (CRLF lines) and a body. */
  parse(): ParsedResponse {
    return parseResponse(this.bytes);
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }
}

/** Splits response bytes at the first CRLF CRLF and reads the head's lines. */
export function parseResponse(bytes: Buffer): ParsedResponse {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`no end of head in ${JSON.stringify(bytes.toString('latin1').slice(0, 200))}`);
  const lines = bytes.toString('latin1', 0, end).split('\r\n');
  const statusLine = lines[0] as string;
  const match = /^(?:Status:|HTTP\/1\.1) (\d{3}) ?(.*)$/.exec(statusLine);
  if (match === null) throw new Error(`bad status line ${JSON.stringify(statusLine)}`);
  const headers = lines.slice(1).map((line): [string, string] => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon), line.slice(colon + 1).trim()];
  });
  return { statusLine, status: Number(match[1]), statusText: match[2] as string, headers, body: bytes.subarray(end + 4) };
}

/** Values of header `name` (any case) in a parsed response. */
export function headerValues(response: ParsedResponse, name: string): string[] {
  const lower = name.toLowerCase();
  return response.headers.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
}

/** Typical nginx fastcgi_params for `GET /path?x=1`, with overrides (undefined removes a variable). */
export function cgiParams(overrides: Record<string, string | undefined> = {}, extra: [string, string][] = []): ParamList {
  const base: Record<string, string | undefined> = {
    QUERY_STRING: 'x=1',
    REQUEST_METHOD: 'GET',
    CONTENT_TYPE: '',
    CONTENT_LENGTH: '',
    SCRIPT_NAME: '/path',
    REQUEST_URI: '/path?x=1',
    DOCUMENT_URI: '/path',
    DOCUMENT_ROOT: '/srv/www',
    SERVER_PROTOCOL: 'HTTP/1.1',
    REQUEST_SCHEME: 'http',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_SOFTWARE: 'nginx/1.22.1',
    REMOTE_ADDR: '192.0.2.10',
    REMOTE_PORT: '54321',
    SERVER_ADDR: '192.0.2.1',
    SERVER_PORT: '80',
    SERVER_NAME: 'example.test',
    REDIRECT_STATUS: '200',
    HTTP_HOST: 'example.test',
    HTTP_USER_AGENT: 'curl/8.0',
    HTTP_ACCEPT: '*/*',
    ...overrides,
  };
  const pairs: [string, string][] = [];
  for (const [name, value] of Object.entries(base)) if (value !== undefined) pairs.push([name, value]);
  return ParamList.from([...pairs, ...extra]);
}

/** Waits for `n` turns of the event loop (lets nextTick/immediate chains settle). */
export async function turns(n = 3): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}
