import { afterEach, describe, expect, it } from 'vitest';
import { createServer, encodeUwsgiRequest, Modifier1, type UwsgiRequest, type UwsgiServer } from '../src/index.js';
import { NGINX_BODY, NGINX_PACKET, SPEC_EXAMPLE, uwsgiPacket } from './support/fixtures.js';
import { RawClient, readBody, reply, startServer, stopServer, until, wait } from './server-harness.js';

const postHead = (length: number) => encodeUwsgiRequest([['REQUEST_METHOD', 'POST'], ['CONTENT_LENGTH', String(length)]]);

let server: UwsgiServer | undefined;
afterEach(async () => {
  await stopServer(server);
  server = undefined;
});

describe('uwsgi server: requests and responses', () => {
  it('serves the protocol example (GET, no CONTENT_LENGTH) and closes after the response', async () => {
    let request: UwsgiRequest | undefined;
    const s = await startServer((req) => {
      request = req;
      reply(req, `${req.headFormat} ${req.params.get('REQUEST_METHOD')}`);
      return undefined;
    });
    server = s.server;
    const client = new RawClient(s.port);
    client.send(SPEC_EXAMPLE);
    await client.closed;
    expect(client.text).toBe('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nhttp GET');
    expect(client.gotEnd).toBe(true);
    expect(client.error).toBeUndefined();
    expect([request?.modifier1, request?.modifier2, request?.contentLength]).toEqual([0, 0, 0]);
  });

  it('serves an nginx-style POST, body read by CONTENT_LENGTH, packet sent in pieces', async () => {
    let request: UwsgiRequest | undefined;
    const s = await startServer((req) => {
      request = req;
      return readBody((body) => reply(req, body));
    });
    server = s.server;
    const client = new RawClient(s.port);
    // Split inside the header, inside the vars block and inside the body.
    const cuts = [0, 2, 200, NGINX_PACKET.length - 10, NGINX_PACKET.length];
    for (let i = 1; i < cuts.length; i++) {
      client.send(NGINX_PACKET.subarray(cuts[i - 1], cuts[i]));
      await wait(5);
    }
    await client.closed;
    expect(client.received.subarray(-NGINX_BODY.length).equals(NGINX_BODY)).toBe(true);
    expect(request?.contentLength).toBe(NGINX_BODY.length);
    expect(request?.bodyBytes).toBe(NGINX_BODY.length);
    expect(request?.params.get('HTTP_COOKIE')).toBe('session=abc123; theme=dark');
  });

  it('answers 413 with an HTTP status line when CONTENT_LENGTH exceeds maxBodyBytes', async () => {
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
    expect(codes).toEqual(['UWSGI_ERR_BODY_TOO_LARGE']);
    expect(client.text).toMatch(/^HTTP\/1\.1 413 /);
  });

  it('answers 500 with an HTTP status line when the server has no handleRequest', async () => {
    server = createServer();
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const client = new RawClient((server.address() as { port: number }).port);
    client.send(SPEC_EXAMPLE);
    await client.closed;
    expect(client.text).toMatch(/^HTTP\/1\.1 500 /);
  });
});

describe('uwsgi server: modifiers', () => {
  const vars: [string, string][] = [['REQUEST_METHOD', 'GET'], ['SCRIPT_NAME', '/app'], ['PATH_INFO', '/app/page']];

  async function serve(options = {}) {
    const seen: { modifier1: number; modifier2: number; pathInfo: string | undefined }[] = [];
    const s = await startServer((req) => {
      seen.push({ modifier1: req.modifier1, modifier2: req.modifier2, pathInfo: req.params.get('PATH_INFO') });
      reply(req, 'served');
      return undefined;
    }, options);
    server = s.server;
    const codes: string[] = [];
    server.on('clientError', (err) => codes.push(err.code));
    return { port: s.port, seen, codes };
  }

  it('serves modifier1 0 as it is, modifier2 reaching the request', async () => {
    const { port, seen, codes } = await serve();
    const client = new RawClient(port);
    client.send(uwsgiPacket(vars, { modifier1: 0, modifier2: 7 }));
    await client.closed;
    expect(client.text).toMatch(/served$/);
    expect(seen).toEqual([{ modifier1: 0, modifier2: 7, pathInfo: '/app/page' }]);
    expect(codes).toEqual([]);
  });

  it('serves modifier1 30 with SCRIPT_NAME stripped from PATH_INFO', async () => {
    const { port, seen } = await serve();
    const client = new RawClient(port);
    client.send(uwsgiPacket(vars, { modifier1: Modifier1.WSGI_MANAGE_PATH_INFO }));
    await client.closed;
    expect(client.text).toMatch(/served$/);
    expect(seen).toEqual([{ modifier1: 30, modifier2: 0, pathInfo: '/page' }]);
  });

  it('refuses modifier1 5 with UNSUPPORTED_MODIFIER, closes without an answer, and keeps serving', async () => {
    const { port, seen, codes } = await serve();
    const refused = new RawClient(port);
    refused.send(uwsgiPacket(vars, { modifier1: Modifier1.PSGI }));
    await refused.closed;
    expect(codes).toEqual(['UWSGI_ERR_UNSUPPORTED_MODIFIER']);
    expect(refused.received.length).toBe(0);
    expect(seen).toEqual([]);
    const next = new RawClient(port);
    next.send(uwsgiPacket(vars));
    await next.closed;
    expect(next.text).toMatch(/served$/);
  });

  it('follows a custom modifierPolicy', async () => {
    const { port, seen, codes } = await serve({ modifierPolicy: (m1: number) => (m1 === 5 ? 'serve' : 'refuse') });
    const psgi = new RawClient(port);
    psgi.send(uwsgiPacket(vars, { modifier1: 5 }));
    await psgi.closed;
    const wsgi = new RawClient(port);
    wsgi.send(uwsgiPacket(vars, { modifier1: 0 }));
    await wsgi.closed;
    expect(seen.map((s) => s.modifier1)).toEqual([5]);
    expect(codes).toEqual(['UWSGI_ERR_UNSUPPORTED_MODIFIER']);
  });
});

describe('uwsgi server: backpressure, disconnects, close', () => {
  it('pauses the socket while the handler does not take the body, and resumes on resumeBody', async () => {
    const size = 8 * 1024 * 1024;
    let pushed = 0;
    let accept = false;
    let request: UwsgiRequest | undefined;
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
    expect(held).toBeLessThanOrEqual(128 * 1024);
    await wait(200);
    expect(pushed).toBe(held);
    accept = true;
    request?.resumeBody();
    await client.closed;
    expect(client.text).toMatch(new RegExp(`got ${size}$`));
  });

  it('reports output backpressure to a handler writing to a slow reader, then drains', async () => {
    const chunkSize = 64 * 1024;
    const total = 256;
    const head = 'HTTP/1.1 200 OK\r\n\r\n';
    let written = 0;
    let refusals = 0;
    const s = await startServer((req) => {
      const pump = () => {
        while (written < total) {
          const chunk = Buffer.alloc(chunkSize, written % 251);
          written++;
          if (!req.write(written === 1 ? [Buffer.from(head), chunk] : [chunk], written === total)) {
            refusals++;
            return;
          }
        }
      };
      return { endBody: pump, drain: pump };
    });
    server = s.server;
    const client = new RawClient(s.port);
    client.socket.pause();
    client.send(SPEC_EXAMPLE);
    await until(() => refusals > 0);
    await wait(200);
    const stalledAt = written;
    expect(stalledAt).toBeLessThan(total);
    await wait(100);
    expect(written).toBe(stalledAt);
    client.socket.resume();
    await client.closed;
    const body = client.received.subarray(head.length);
    expect(body.length).toBe(total * chunkSize);
    for (let i = 0; i < total; i++) expect(body[i * chunkSize]).toBe(i % 251);
  });

  it('aborts the exchange and reports INCOMPLETE_BODY when the peer ends mid-body', async () => {
    let aborted = 0;
    let pushed = 0;
    const s = await startServer(() => ({
      pushBody: (c) => {
        pushed += c.length;
        return true;
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
    expect(codes).toEqual(['UWSGI_ERR_INCOMPLETE_BODY']);
  });

  it('aborts the exchange when the peer resets mid-response', async () => {
    let aborted = 0;
    const s = await startServer((req) => {
      req.write([Buffer.from('HTTP/1.1 200 OK\r\n\r\nfirst part')], false);
      return { abort: () => { aborted++; } };
    });
    server = s.server;
    const client = new RawClient(s.port);
    client.send(SPEC_EXAMPLE);
    await until(() => client.text.endsWith('first part'));
    client.socket.resetAndDestroy();
    await until(() => aborted > 0);
    await wait(20);
    expect(aborted).toBe(1);
  });

  it('delivers the whole response to a peer still sending a body it did not want (half-close, drain)', async () => {
    const response = Buffer.alloc(1024 * 1024, 0x7a);
    const head = 'HTTP/1.1 404 Not Found\r\n\r\n';
    const s = await startServer((req) => {
      req.write([Buffer.from(head), response], true);
      return undefined;
    });
    server = s.server;
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
    expect(client.received.length).toBe(head.length + response.length);
    expect(client.received.subarray(-response.length).equals(response)).toBe(true);
  });

  it('on close(), serves a connection accepted before it whose packet arrives after it', async () => {
    const s = await startServer((req) => {
      reply(req, 'late but served');
      return undefined;
    });
    server = s.server;
    const late = new RawClient(s.port);
    await until(() => server?.connectionCount === 1);
    let closed = false;
    server.close(() => {
      closed = true;
    });
    await wait(20);
    late.send(SPEC_EXAMPLE);
    await late.closed;
    expect(late.error).toBeUndefined();
    expect(late.text).toMatch(/^HTTP\/1\.1 200 OK[^]*late but served$/);
    await until(() => closed);
    server = undefined;
  });

  it('on close(), answers a connection that stays silent past requestGraceTimeout with an HTTP 503', async () => {
    const s = await startServer(() => undefined, { requestGraceTimeout: 30 });
    server = s.server;
    const silent = new RawClient(s.port);
    await until(() => server?.connectionCount === 1);
    let closed = false;
    server.close(() => {
      closed = true;
    });
    await silent.closed;
    expect(silent.gotEnd).toBe(true);
    expect(silent.text).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    await until(() => closed);
    server = undefined;
  });
});
