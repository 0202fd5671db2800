import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type ScgiRequest, type ScgiServer, type ScgiServerOptions } from '../src/index.js';
import { scgiRequest } from './helpers.js';
import { RawClient, reply, startServer, stopServer, tempDir, until } from './server-harness.js';

const GET = scgiRequest([['CONTENT_LENGTH', '0'], ['SCGI', '1'], ['REQUEST_METHOD', 'GET']]);

let server: ScgiServer | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  await stopServer(server);
  server = undefined;
  for (const c of cleanups.splice(0)) c();
});

const answer = (req: ScgiRequest) => {
  reply(req, 'served');
  return undefined;
};

async function listenUnix(options: ScgiServerOptions): Promise<string> {
  const dir = tempDir();
  cleanups.push(dir.cleanup);
  const path = join(dir.path, 'scgi.sock');
  server = createServer({
    ...options,
    handleRequest: (req) => {
      answer(req);
      return { pushBody: () => true, endBody: () => {}, drain: () => {}, abort: () => {} };
    },
  });
  await new Promise<void>((resolve) => server?.listen(path, resolve));
  return path;
}

describe('SCGI server: listening and peers', () => {
  it('refuses a TCP peer outside allowedPeers with PEER_NOT_ALLOWED', async () => {
    let ran = false;
    const s = await startServer(() => {
      ran = true;
      return undefined;
    }, { allowedPeers: ['10.0.0.0/8', '::1'] });
    server = s.server;
    const codes: string[] = [];
    server.on('clientError', (err) => codes.push(err.code));
    const client = new RawClient(s.port);
    client.send(GET);
    await client.closed;
    await until(() => codes.length > 0);
    expect(codes).toEqual(['SCGI_ERR_PEER_NOT_ALLOWED']);
    expect(ran).toBe(false);
    expect(client.received.length).toBe(0);
  });

  it('serves a TCP peer inside allowedPeers', async () => {
    const s = await startServer(answer, { allowedPeers: ['127.0.0.0/8'] });
    server = s.server;
    const client = new RawClient(s.port);
    client.send(GET);
    await client.closed;
    expect(client.text).toMatch(/served$/);
  });

  it('listens on a unix socket with socketMode, and always allows unix peers', async () => {
    const path = await listenUnix({ socketMode: 0o600, allowedPeers: ['10.0.0.0/8'] });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const client = new RawClient(path);
    client.send(GET);
    await client.closed;
    expect(client.text).toMatch(/served$/);
  });

  it('on close(), lets a request in progress finish and answers a connection silent past requestGraceTimeout 503', async () => {
    let finish: (() => void) | undefined;
    const s = await startServer((req) => {
      finish = () => reply(req, 'finished');
      return undefined;
    }, { requestGraceTimeout: 50 });
    server = s.server;
    const busy = new RawClient(s.port);
    busy.send(GET);
    await until(() => finish !== undefined);
    const silent = new RawClient(s.port);
    await until(() => server?.connectionCount === 2);
    let closed = false;
    server.close(() => {
      closed = true;
    });
    await silent.closed;
    expect(silent.gotEnd).toBe(true);
    expect(silent.text).toMatch(/^Status: 503 /);
    expect(closed).toBe(false);
    finish?.();
    await busy.closed;
    expect(busy.text).toMatch(/finished$/);
    await until(() => closed);
    server = undefined;
  });

  it('serves a connection accepted before close() whose request arrives after it', async () => {
    const s = await startServer(answer);
    server = s.server;
    const late = new RawClient(s.port);
    await until(() => server?.connectionCount === 1);
    let closed = false;
    server.close(() => {
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    late.send(GET);
    await late.closed;
    expect(late.error).toBeUndefined();
    expect(late.text).toMatch(/^Status: 200 [^]*served$/);
    await until(() => closed);
    server = undefined;
  });

  it('answers a silent connection 503 at once on close() when requestGraceTimeout is 0', async () => {
    const s = await startServer(answer, { requestGraceTimeout: 0 });
    server = s.server;
    const silent = new RawClient(s.port);
    await until(() => server?.connectionCount === 1);
    server.close();
    await silent.closed;
    expect(silent.text).toMatch(/^Status: 503 /);
    server = undefined;
  });

  it('drops connections beyond maxConnections', async () => {
    let finish: (() => void) | undefined;
    const s = await startServer((req) => {
      finish = () => reply(req, 'first');
      return undefined;
    }, { maxConnections: 1 });
    server = s.server;
    const first = new RawClient(s.port);
    first.send(GET);
    await until(() => finish !== undefined);
    const second = new RawClient(s.port);
    second.send(GET);
    await second.closed;
    expect(second.received.length).toBe(0);
    finish?.();
    await first.closed;
    expect(first.text).toMatch(/first$/);
  });

  it('rejects out-of-range options and bad allowlist entries at construction', () => {
    const codeOf = (options: ScgiServerOptions) => {
      try {
        createServer(options);
        return 'no error';
      } catch (err) {
        return (err as { code?: string }).code;
      }
    };
    expect(codeOf({ headersTimeout: -1 })).toBe('GW_ERR_INVALID_OPTION');
    expect(codeOf({ outputHighWaterMark: 0 })).toBe('GW_ERR_INVALID_OPTION');
    expect(codeOf({ maxHeaderBytes: 0 })).toBe('GW_ERR_INVALID_OPTION');
    expect(codeOf({ mode: 'loose' as 'strict' })).toBe('GW_ERR_INVALID_OPTION');
    expect(codeOf({ allowedPeers: ['not-an-ip'] })).toBe('GW_ERR_INVALID_OPTION');
    expect(codeOf({})).toBe('no error');
  });
});
