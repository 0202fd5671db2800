import { connect } from 'node:net';
import type { ParamList, RequestExchange } from '@gw/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, encodeScgiRequest, type ScgiRequest, type ScgiServer } from '../src/index.js';
import { scgiRequest, SPEC_BODY, SPEC_REQUEST } from './helpers.js';
import { RawClient, readBody, reply, startServer, stopServer, until, wait } from './server-harness.js';

const GET = scgiRequest([
  ['CONTENT_LENGTH', '0'],
  ['SCGI', '1'],
  ['REQUEST_METHOD', 'GET'],
  ['REQUEST_URI', '/hello?x=1'],
]);

/** A request head announcing `length` body bytes (the body is sent separately). */
const postHead = (length: number) => encodeScgiRequest([['REQUEST_METHOD', 'POST']], length);

let server: ScgiServer | undefined;
afterEach(async () => {
  await stopServer(server);
  server = undefined;
});

describe('SCGI server: requests and responses', () => {
  it('serves a GET and closes after the response (FIN, no reset)', async () => {
    let seen: [string, string][] = [];
    const s = await startServer((req) => {
      seen = req.params.toArray();
      reply(req, `hello ${req.params.get('REQUEST_METHOD')} ${req.params.get('REQUEST_URI')}`);
      return undefined;
    });
    server = s.server;
    const client = new RawClient(s.port);
    client.send(GET);
    await client.closed;
    expect(client.text).toBe('Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nhello GET /hello?x=1');
    expect(client.gotEnd).toBe(true);
    expect(client.error).toBeUndefined();
    expect(seen).toEqual([
      ['CONTENT_LENGTH', '0'],
      ['SCGI', '1'],
      ['REQUEST_METHOD', 'GET'],
      ['REQUEST_URI', '/hello?x=1'],
    ]);
  });

  it('serves the protocol.txt POST example, body delivered exactly, request sent in pieces', async () => {
    let request: ScgiRequest | undefined;
    const s = await startServer((req) => {
      request = req;
      return readBody((body) => reply(req, `${req.headFormat} ${req.contentLength} ${body.toString('latin1').toUpperCase()}`));
    });
    server = s.server;
    const client = new RawClient(s.port);
    // Split inside the length digits, inside the block, and inside the body.
    for (const cut of [[0, 1], [1, 30], [30, 80], [80, SPEC_REQUEST.length]] as const) {
      client.send(SPEC_REQUEST.subarray(cut[0], cut[1]));
      await wait(5);
    }
    await client.closed;
    expect(client.text).toBe(`Status: 200 OK\r\nContent-Type: text/plain\r\n\r\ncgi 27 ${SPEC_BODY.toUpperCase()}`);
    expect(request?.bodyBytes).toBe(27);
    expect(request?.params.get('REQUEST_URI')).toBe('/deepthought');
  });

  it('writes a small [head, body] response in one socket write, and large chunks as they are (no copy)', async () => {
    const large = Buffer.alloc(64 * 1024, 0x6c);
    const writes: Buffer[][] = [];
    const s = await startServer((req) => {
      const seen: Buffer[] = [];
      const original = req.socket.write.bind(req.socket) as (chunk: Buffer, cb?: () => void) => boolean;
      req.socket.write = ((chunk: Buffer, cb?: () => void) => {
        seen.push(chunk);
        return original(chunk, cb);
      }) as typeof req.socket.write;
      writes.push(seen);
      if (req.params.get('REQUEST_URI') === '/small') reply(req, 'tiny');
      else req.write([Buffer.from('Status: 200 OK\r\n\r\n'), large], true);
      return undefined;
    });
    server = s.server;
    for (const uri of ['/small', '/large']) {
      const client = new RawClient(s.port);
      client.send(scgiRequest([['CONTENT_LENGTH', '0'], ['SCGI', '1'], ['REQUEST_URI', uri]]));
      await client.closed;
    }
    expect(writes[0]?.length).toBe(1);
    expect(writes[0]?.[0]?.toString()).toBe('Status: 200 OK\r\nContent-Type: text/plain\r\n\r\ntiny');
    expect(writes[1]?.length).toBe(2);
    expect(writes[1]?.[1]).toBe(large);
  });

  it('answers 413 without running the handler when CONTENT_LENGTH exceeds maxBodyBytes', async () => {
    let ran = false;
    const s = await startServer(() => {
      ran = true;
      return undefined;
    }, { maxBodyBytes: 10 });
    server = s.server;
    const codes: string[] = [];
    server.on('requestError', (err) => codes.push(err.code));
    const client = new RawClient(s.port);
    client.send(postHead(11), 'x'.repeat(11));
    await client.closed;
    expect(ran).toBe(false);
    expect(codes).toEqual(['SCGI_ERR_BODY_TOO_LARGE']);
    expect(client.text).toMatch(/^Status: 413 /);
    expect(client.error).toBeUndefined();
  });

  it('answers 500 when the server has no handleRequest', async () => {
    server = createServer();
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const client = new RawClient((server.address() as { port: number }).port);
    client.send(GET);
    await client.closed;
    expect(client.text).toMatch(/^Status: 500 /);
  });

  it('serves a request without SCGI=1 in lenient mode and warns once per server', async () => {
    const missing: boolean[] = [];
    const s = await startServer((req) => {
      missing.push(req.scgiMarkerMissing);
      reply(req, 'ok');
      return undefined;
    });
    server = s.server;
    const warnings: string[] = [];
    server.on('warning', (err) => warnings.push(err.code));
    const noMarker = scgiRequest([['CONTENT_LENGTH', '0'], ['REQUEST_METHOD', 'GET']]);
    for (const bytes of [noMarker, noMarker, GET]) {
      const client = new RawClient(s.port);
      client.send(bytes);
      await client.closed;
      expect(client.text).toMatch(/ok$/);
    }
    expect(missing).toEqual([true, true, false]);
    expect(warnings).toEqual(['SCGI_ERR_MISSING_SCGI']);
  });

  it('refuses a request without SCGI=1 in strict mode', async () => {
    let ran = false;
    const s = await startServer(() => {
      ran = true;
      return undefined;
    }, { mode: 'strict' });
    server = s.server;
    const codes: string[] = [];
    server.on('clientError', (err) => codes.push(err.code));
    const client = new RawClient(s.port);
    client.send(scgiRequest([['CONTENT_LENGTH', '0'], ['REQUEST_METHOD', 'GET']]));
    await client.closed;
    expect(ran).toBe(false);
    expect(codes).toEqual(['SCGI_ERR_MISSING_SCGI']);
    expect(client.received.length).toBe(0);
  });

  it('treats a connection closed before its first byte as no request, not an error', async () => {
    const s = await startServer(() => undefined);
    server = s.server;
    const codes: string[] = [];
    server.on('clientError', (err) => codes.push(err.code));
    const client = new RawClient(s.port);
    await new Promise((resolve) => client.socket.once('connect', resolve));
    client.socket.end();
    await client.closed;
    await until(() => server?.connectionCount === 0);
    expect(codes).toEqual([]);
  });
});

describe('SCGI server: backpressure', () => {
  it('pauses the socket while the handler does not take the body, and resumes on resumeBody', async () => {
    const size = 8 * 1024 * 1024;
    let pushed = 0;
    let accept = false;
    let request: ScgiRequest | undefined;
    const s = await startServer((req) => {
      request = req;
      return {
        pushBody: (chunk) => {
          pushed += chunk.length;
          return accept;
        },
        endBody: () => reply(req, `got ${pushed}`),
      };
    });
    server = s.server;
    const client = new RawClient(s.port);
    client.send(postHead(size), Buffer.alloc(size, 0x61));
    await until(() => pushed > 0);
    await wait(200);
    const held = pushed;
    // One socket read (≤ 64 KiB) may arrive before the pause takes effect; no more.
    expect(held).toBeLessThanOrEqual(128 * 1024);
    await wait(200);
    expect(pushed).toBe(held);
    accept = true;
    request?.resumeBody();
    await client.closed;
    expect(client.text).toMatch(new RegExp(`got ${size}$`));
    expect(request?.bodyBytes).toBe(size);
  });

  it('reports output backpressure to a handler writing to a slow reader, then drains', async () => {
    const chunkSize = 64 * 1024;
    const total = 256; // 16 MiB: more than loopback socket buffers absorb
    let written = 0;
    let refusals = 0;
    let drains = 0;
    const s = await startServer((req) => {
      const pump = () => {
        while (written < total) {
          const chunk = Buffer.alloc(chunkSize, written % 251);
          const chunks = written === 0 ? [Buffer.from('Status: 200 OK\r\n\r\n'), chunk] : [chunk];
          written++;
          if (!req.write(chunks, written === total)) {
            refusals++;
            return;
          }
        }
      };
      return { endBody: pump, drain: () => { drains++; pump(); } };
    }, { outputHighWaterMark: 256 * 1024 });
    server = s.server;
    const client = new RawClient(s.port);
    client.socket.pause();
    client.send(GET);
    await until(() => refusals > 0);
    await wait(200);
    expect(written).toBeLessThan(total);
    const stalledAt = written;
    await wait(100);
    expect(written).toBe(stalledAt); // nothing written while the peer does not read
    client.socket.resume();
    await client.closed;
    const body = client.received.subarray('Status: 200 OK\r\n\r\n'.length);
    expect(body.length).toBe(total * chunkSize);
    for (let i = 0; i < total; i++) expect(body[i * chunkSize]).toBe(i % 251);
    expect(drains).toBeGreaterThan(0);
    expect(client.error).toBeUndefined();
  });
});

describe('SCGI server: disconnects and aborts', () => {
  it('aborts the exchange and reports INCOMPLETE_BODY when the peer ends mid-body', async () => {
    let aborted = 0;
    let ended = false;
    let pushed = 0;
    const s = await startServer(() => ({
      pushBody: (c) => {
        pushed += c.length;
        return true;
      },
      endBody: () => {
        ended = true;
      },
      abort: () => {
        aborted++;
      },
    }));
    server = s.server;
    const codes: string[] = [];
    server.on('clientError', (err) => codes.push(err.code));
    const client = new RawClient(s.port);
    client.send(postHead(1000), 'x'.repeat(100));
    await until(() => pushed === 100);
    client.socket.end();
    await client.closed;
    await until(() => aborted > 0);
    expect(aborted).toBe(1);
    expect(ended).toBe(false);
    expect(codes).toEqual(['SCGI_ERR_INCOMPLETE_BODY']);
  });

  it('aborts the exchange when the peer resets the connection mid-response; later writes are dropped', async () => {
    let aborted = 0;
    let request: ScgiRequest | undefined;
    const s = await startServer((req) => {
      request = req;
      req.write([Buffer.from('Status: 200 OK\r\n\r\nfirst part')], false);
      return { abort: () => { aborted++; } };
    });
    server = s.server;
    const client = new RawClient(s.port);
    client.send(GET);
    await until(() => client.text.endsWith('first part'));
    client.socket.resetAndDestroy();
    await until(() => aborted > 0);
    expect(request?.write([Buffer.alloc(1024 * 1024)], false)).toBe(true);
    expect(request?.write([Buffer.from('late')], true)).toBe(true);
    await wait(20);
    expect(aborted).toBe(1);
  });

  it('delivers the whole response to a peer still sending a body it did not want (half-close, drain)', async () => {
    const response = Buffer.alloc(1024 * 1024, 0x7a);
    const s = await startServer((req) => {
      // Answer at once, without reading the 4 MiB body the peer is still sending.
      req.write([Buffer.from('Status: 404 Not Found\r\n\r\n'), response], true);
      return undefined;
    });
    server = s.server;
    const clientErrors: string[] = [];
    server.on('clientError', (err) => clientErrors.push(err.code));
    const client = new RawClient(s.port);
    const size = 4 * 1024 * 1024;
    client.send(postHead(size));
    for (let sent = 0; sent < size; sent += 256 * 1024) {
      client.send(Buffer.alloc(256 * 1024, 0x62));
      await wait(2);
    }
    client.send('and bytes after the body');
    await client.closed;
    expect(client.error).toBeUndefined();
    expect(client.gotEnd).toBe(true);
    expect(client.received.length).toBe('Status: 404 Not Found\r\n\r\n'.length + response.length);
    expect(client.received.subarray(-response.length).equals(response)).toBe(true);
    expect(clientErrors).toEqual([]);
  });

  it('closes a connection whose peer never closes closeTimeout after an early response (body left unread)', async () => {
    const s = await startServer((req) => {
      reply(req, 'bye');
      return undefined;
    }, { closeTimeout: 150 });
    server = s.server;
    // allowHalfOpen: this peer does not answer the server's FIN with its own.
    const peer = connect({ port: s.port, host: '127.0.0.1', allowHalfOpen: true });
    peer.on('error', () => {});
    peer.resume();
    let endedAt = 0;
    peer.on('end', () => {
      endedAt = Date.now();
    });
    // The handler answers before the announced body came: the server half-closes and drains.
    peer.write(postHead(100));
    await until(() => endedAt > 0);
    expect(server.connectionCount).toBe(1);
    await until(() => server?.connectionCount === 0);
    expect(Date.now() - endedAt).toBeGreaterThanOrEqual(140);
    peer.destroy();
  });

  it('closes at once after the response when the request was read to its end (no wait for the peer)', async () => {
    const s = await startServer((req) => readBody((body) => reply(req, `got ${body.length}`)), { closeTimeout: 60_000 });
    server = s.server;
    const peer = connect({ port: s.port, host: '127.0.0.1', allowHalfOpen: true });
    const chunks: Buffer[] = [];
    let ended = false;
    let error: Error | undefined;
    peer.on('data', (c: Buffer) => chunks.push(c));
    peer.on('end', () => {
      ended = true;
    });
    peer.on('error', (err) => {
      error = err;
    });
    peer.write(Buffer.concat([postHead(5), Buffer.from('hello')]));
    // The peer never closes, yet the server's side is gone right after the response.
    await until(() => ended && server?.connectionCount === 0, 2000);
    expect(error).toBeUndefined();
    expect(Buffer.concat(chunks).toString('latin1')).toMatch(/^Status: 200 OK\r\n[^]*got 5$/);
    peer.destroy();
  });

  it('half-closes and drains instead of closing at once when the peer sent bytes after the body', async () => {
    const s = await startServer((req) => readBody((body) => setTimeout(() => reply(req, `got ${body.length}`), 20)), { closeTimeout: 60_000 });
    server = s.server;
    // allowHalfOpen: the peer stays open after the server's FIN, until it closes itself.
    const peer = connect({ port: s.port, host: '127.0.0.1', allowHalfOpen: true });
    const chunks: Buffer[] = [];
    let ended = false;
    let error: Error | undefined;
    peer.on('data', (c: Buffer) => chunks.push(c));
    peer.on('end', () => {
      ended = true;
    });
    peer.on('error', (err) => {
      error = err;
    });
    peer.write(Buffer.concat([postHead(5), Buffer.from('hello'), Buffer.from('stray bytes after the body')]));
    await until(() => ended);
    await wait(50);
    // Still open: input might still come, so the server reads until the peer closes.
    expect(server.connectionCount).toBe(1);
    peer.write('more stray bytes');
    peer.end();
    await until(() => server?.connectionCount === 0);
    expect(error).toBeUndefined();
    expect(Buffer.concat(chunks).toString('latin1')).toMatch(/got 5$/);
    peer.destroy();
  });

  it('resets the connection when the adapter aborts the response, without calling abort back', async () => {
    let aborted = 0;
    const s = await startServer((req) => {
      req.write([Buffer.from('Status: 200 OK\r\n\r\npartial')], false);
      setTimeout(() => req.abort(new Error('handler failed')), 20);
      return { abort: () => { aborted++; } };
    });
    server = s.server;
    const client = new RawClient(s.port);
    client.send(GET);
    await client.closed;
    expect(client.text).toBe('Status: 200 OK\r\n\r\npartial');
    // A reset, not a FIN: the web server must not take the truncated response as complete.
    expect(client.error?.code).toBe('ECONNRESET');
    expect(aborted).toBe(0);
  });

  it('aborts and resets a request whose handler exceeds handlerTimeout', async () => {
    let aborted = 0;
    const s = await startServer(() => ({ abort: () => { aborted++; } }), { handlerTimeout: 100 });
    server = s.server;
    const codes: string[] = [];
    server.on('requestError', (err, req: ScgiRequest) => codes.push(`${err.code} ${req.params.get('REQUEST_URI')}`));
    const client = new RawClient(s.port);
    const started = Date.now();
    client.send(GET);
    await client.closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(codes).toEqual(['SCGI_ERR_HANDLER_TIMEOUT /hello?x=1']);
    expect(aborted).toBe(1);
    expect(client.received.length).toBe(0);
  });

  it('lets a peer that half-closes after its request still read the response', async () => {
    let params: ParamList | undefined;
    const s = await startServer((req) => {
      params = req.params;
      return { endBody: () => setTimeout(() => reply(req, 'late answer'), 50) } satisfies Partial<RequestExchange>;
    });
    server = s.server;
    const client = new RawClient(s.port);
    client.socket.end(GET);
    await client.closed;
    expect(params?.get('REQUEST_METHOD')).toBe('GET');
    expect(client.text).toMatch(/late answer$/);
  });
});
