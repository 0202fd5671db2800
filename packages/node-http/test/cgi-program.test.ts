import type { IncomingMessage, ServerResponse } from 'node:http';
import { PassThrough, Readable, Writable } from 'node:stream';
import { type CgiProgramOptions, type FetchHandler, runCgiRequest } from '@gw/node-http';
import { describe, expect, test } from 'vitest';
import { parseResponse } from './helpers/fake-sink.js';

/** A stdout that keeps every byte; `delay` ms per write makes it a slow pipe. */
class CollectingStdout extends Writable {
  readonly chunks: Buffer[] = [];
  readonly #delay: number;

  constructor(delay = 0, highWaterMark = 16 * 1024) {
    super({ highWaterMark });
    this.#delay = delay;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(chunk);
    if (this.#delay > 0) setTimeout(callback, this.#delay);
    else callback();
  }

  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** A stdin that fails the test if anything reads it. */
function untouchableStdin(): Readable {
  return new Readable({
    read() {
      throw new Error('stdin was read');
    },
  });
}

/** CGI variables of a request, as Apache's mod_cgi sets them. */
function cgiEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    SERVER_SOFTWARE: 'Apache/2.4',
    SERVER_NAME: 'example.test',
    SERVER_PORT: '80',
    REMOTE_ADDR: '192.0.2.7',
    REMOTE_PORT: '50000',
    REQUEST_METHOD: 'GET',
    REQUEST_URI: '/app/hello?x=1',
    SCRIPT_NAME: '/app',
    PATH_INFO: '/hello',
    QUERY_STRING: 'x=1',
    HTTP_HOST: 'example.test',
    PATH: '/usr/bin:/bin',
    ...extra,
  };
}

async function run(handler: Parameters<typeof runCgiRequest>[0], options: CgiProgramOptions & { stdout?: CollectingStdout } = {}) {
  const stdout = options.stdout ?? new CollectingStdout();
  const errors: unknown[] = [];
  const result = await runCgiRequest(handler, { stdin: untouchableStdin(), onError: (e) => errors.push(e), ...options, stdout });
  return {
    result,
    stdout,
    errors,
    get response() {
      return parseResponse(stdout.bytes);
    },
  };
}

const echoFacts = (req: IncomingMessage, res: ServerResponse) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ method: req.method, url: req.url, host: req.headers.host, ip: req.socket.remoteAddress, agent: req.headers['x-agent'] ?? null }));
};

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('runCgiRequest: the request comes from the environment', () => {
  test('a GET answered by a node:http listener: Status head on stdout, nothing read from stdin', async () => {
    const { result, response, stdout } = await run(echoFacts, { env: cgiEnv({ HTTP_X_AGENT: 'curl' }) });
    expect(result).toEqual({ completed: true, errors: [] });
    expect(stdout.bytes.subarray(0, 16).toString('latin1')).toBe('Status: 200 OK\r\n');
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body.toString())).toEqual({ method: 'GET', url: '/app/hello?x=1', host: 'example.test', ip: '192.0.2.7', agent: 'curl' });
  });

  test('every variable reaches the handler; values keep their UTF-8 bytes', async () => {
    let seen: { path?: string; header?: string } = {};
    const handler: FetchHandler = {
      fetch(request, context) {
        seen = { path: context.cgiParams.get('PATH'), header: request.headers.get('x-name') ?? undefined };
        return new Response('ok');
      },
    };
    const { result, response } = await run(handler, { env: cgiEnv({ HTTP_X_NAME: 'caf\u00e9' }) });
    expect(result.completed).toBe(true);
    expect(response.body.toString()).toBe('ok');
    expect(seen.path).toBe('/usr/bin:/bin');
    // Headers are latin1 strings of the wire bytes: é in UTF-8 is C3 A9.
    expect(seen.header).toBe('caf\u00c3\u00a9');
  });

  test('headFormat http writes an HTTP/1.1 status line (nph- scripts)', async () => {
    const { stdout } = await run((_req, res) => res.end('x'), { env: cgiEnv(), headFormat: 'http' });
    expect(stdout.bytes.toString('latin1')).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  });
});

describe('runCgiRequest: the body', () => {
  test('reads exactly CONTENT_LENGTH bytes of stdin and leaves the rest', async () => {
    const stdin = new PassThrough();
    stdin.end('hello worldEXTRA-NOT-BODY');
    const { result, response } = await run(async (req, res) => res.end(`got:${(await readAll(req)).toString()}`), {
      env: cgiEnv({ REQUEST_METHOD: 'POST', CONTENT_LENGTH: '11', CONTENT_TYPE: 'text/plain' }),
      stdin,
    });
    expect(result.completed).toBe(true);
    expect(response.body.toString()).toBe('got:hello world');
  });

  test('a large body to a slow reader arrives whole, stdin paused meanwhile', async () => {
    const body = Buffer.alloc(300_000);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7) & 0xff;
    const stdin = Readable.from(Array.from({ length: 30 }, (_, i) => body.subarray(i * 10_000, (i + 1) * 10_000)));
    const handler = async (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) {
        chunks.push(chunk as Buffer);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      res.end(Buffer.concat(chunks).equals(body) ? 'same' : 'different');
    };
    const { response } = await run(handler, { env: cgiEnv({ REQUEST_METHOD: 'PUT', CONTENT_LENGTH: String(body.length) }), stdin, bodyHighWaterMark: 1024 });
    expect(response.body.toString()).toBe('same');
  });

  test('stdin ending before CONTENT_LENGTH aborts the request', async () => {
    const stdin = new PassThrough();
    stdin.end('short');
    let aborted = false;
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      req.on('aborted', () => {
        aborted = true;
        res.destroy();
      });
      req.resume();
    };
    const { result } = await run(handler, { env: cgiEnv({ REQUEST_METHOD: 'POST', CONTENT_LENGTH: '100' }), stdin });
    expect(aborted).toBe(true);
    expect(result.completed).toBe(false);
  });

  test('no CONTENT_LENGTH but Transfer-Encoding (Apache de-chunked): stdin is read to EOF', async () => {
    const stdin = Readable.from([Buffer.from('part1-'), Buffer.from('part2')]);
    const { response } = await run(async (req, res) => res.end((await readAll(req)).toString()), {
      env: cgiEnv({ REQUEST_METHOD: 'POST', HTTP_TRANSFER_ENCODING: 'chunked' }),
      stdin,
    });
    expect(response.body.toString()).toBe('part1-part2');
  });

  test('an invalid CONTENT_LENGTH is answered 400 without reading stdin', async () => {
    const { result, response, errors } = await run(echoFacts, { env: cgiEnv({ REQUEST_METHOD: 'POST', CONTENT_LENGTH: '12x' }) });
    expect(response.status).toBe(400);
    expect(result.completed).toBe(true);
    expect((result.errors[0] as { code?: string }).code).toBe('GW_ERR_BAD_REQUEST');
    expect(errors).toEqual(result.errors);
  });
});

describe('runCgiRequest: the response', () => {
  test('a large response through a slow stdout keeps its order and completes', async () => {
    const stdout = new CollectingStdout(1, 1024);
    const piece = (i: number) => Buffer.alloc(4096, 0x41 + (i % 26));
    const handler = (_req: IncomingMessage, res: ServerResponse) => {
      let i = 0;
      const more = () => {
        while (i < 64) {
          if (!res.write(piece(i++))) return void res.once('drain', more);
        }
        res.end();
      };
      more();
    };
    const { result, response } = await run(handler, { env: cgiEnv(), stdout });
    expect(result.completed).toBe(true);
    expect(response.body.equals(Buffer.concat(Array.from({ length: 64 }, (_, i) => piece(i))))).toBe(true);
  });

  test('a handler that throws is answered 500 and reported', async () => {
    const boom = new Error('boom');
    const { result, response, errors } = await run(() => {
      throw boom;
    }, { env: cgiEnv() });
    expect(response.status).toBe(500);
    expect(result).toEqual({ completed: true, errors: [boom] });
    expect(errors).toEqual([boom]);
  });

  test('a handler failing after the head leaves the response incomplete', async () => {
    const boom = new Error('late');
    const { result, stdout } = await run(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      await new Promise((resolve) => setTimeout(resolve, 5));
      throw boom;
    }, { env: cgiEnv() });
    expect(result).toEqual({ completed: false, errors: [boom] });
    expect(stdout.bytes.toString('latin1')).toContain('partial');
  });

  test('stdout failing (EPIPE) aborts the request', async () => {
    const stdout = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    let closed = false;
    const result = await runCgiRequest(
      (_req, res) => {
        res.on('close', () => {
          closed = true;
        });
        res.write('a');
        setTimeout(() => res.end('b'), 5);
      },
      { env: cgiEnv(), stdin: untouchableStdin(), stdout, onError: () => {} },
    );
    expect(result.completed).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(closed).toBe(true);
  });

  test('a handler that is neither a function nor { fetch } is refused', () => {
    expect(() => runCgiRequest({} as never, { env: cgiEnv() })).toThrow(expect.objectContaining({ code: 'GW_ERR_INVALID_OPTION' }));
  });
});
