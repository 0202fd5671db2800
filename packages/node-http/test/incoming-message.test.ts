import { IncomingMessage } from 'node:http';
import { describe, expect, test } from 'vitest';
import { dispatch, type GatewayIncomingMessage, type NodeRequestListener } from '@gw/node-http';
import { bodyParams } from './helpers/exchange.js';
import { cgiParams, FakeSink, turns } from './helpers/fake-sink.js';

/** Dispatches and hands back the request object the listener received. */
function capture(params = cgiParams(), listener: NodeRequestListener = () => {}, sink = new FakeSink()) {
  let req: GatewayIncomingMessage | undefined;
  let res: Parameters<NodeRequestListener>[1] | undefined;
  const exchange = dispatch(
    (q, s) => {
      req = q as GatewayIncomingMessage;
      res = s;
      return listener(q, s);
    },
    params,
    sink,
    { onError: () => {} },
  );
  if (req === undefined || res === undefined) throw new Error('listener not called synchronously');
  return { req, res, exchange, sink };
}

describe('request facts', () => {
  test('a real IncomingMessage with node’s fields', () => {
    const { req, res } = capture(cgiParams({ HTTPS: 'on', REQUEST_METHOD: 'POST', CONTENT_LENGTH: '3', CONTENT_TYPE: 'text/plain' }));
    expect(req).toBeInstanceOf(IncomingMessage);
    expect({
      method: req.method,
      url: req.url,
      httpVersion: req.httpVersion,
      major: req.httpVersionMajor,
      minor: req.httpVersionMinor,
      remoteAddress: req.socket.remoteAddress,
      remotePort: req.socket.remotePort,
      remoteFamily: req.socket.remoteFamily,
      localAddress: req.socket.localAddress,
      localPort: req.socket.localPort,
      encrypted: (req.socket as unknown as { encrypted: boolean }).encrypted,
    }).toEqual({
      method: 'POST',
      url: '/path?x=1',
      httpVersion: '1.1',
      major: 1,
      minor: 1,
      remoteAddress: '192.0.2.10',
      remotePort: 54321,
      remoteFamily: 'IPv4',
      localAddress: '192.0.2.1',
      localPort: 80,
      encrypted: true,
    });
    expect(req.socket).toBe(res.socket);
    expect(req.connection).toBe(req.socket);
    expect(req.socket.address()).toEqual({ address: '192.0.2.1', family: 'IPv4', port: 80 });
  });

  test('headers, rawHeaders and headersDistinct come from the CGI variables', () => {
    const { req } = capture(cgiParams({ CONTENT_TYPE: 'text/plain', CONTENT_LENGTH: '3' }, [['HTTP_X_MULTI', 'a, b']]));
    expect(req.headers).toEqual({
      'content-type': 'text/plain',
      'content-length': '3',
      host: 'example.test',
      'user-agent': 'curl/8.0',
      accept: '*/*',
      'x-multi': 'a, b',
    });
    expect(req.rawHeaders).toEqual(['Content-Type', 'text/plain', 'Content-Length', '3', 'Host', 'example.test', 'User-Agent', 'curl/8.0', 'Accept', '*/*', 'X-Multi', 'a, b']);
    expect(req.headersDistinct['x-multi']).toEqual(['a, b']);
    expect(Object.getPrototypeOf(req.headersDistinct)).toBe(null);
  });

  test('headers can be replaced, as on node’s IncomingMessage', () => {
    const { req } = capture();
    req.headers = { host: 'other' };
    req.rawHeaders = ['Host', 'other'];
    expect(req.headers).toEqual({ host: 'other' });
    expect(req.rawHeaders).toEqual(['Host', 'other']);
  });

  test('cgiParams exposes every variable', () => {
    const { req } = capture();
    expect(req.cgiParams.get('DOCUMENT_ROOT')).toBe('/srv/www');
  });

  test('#89: a Unix-socket peer has no remote address or port', () => {
    const { req } = capture(cgiParams({ REMOTE_ADDR: 'unix:', REMOTE_PORT: '' }));
    expect([req.socket.remoteAddress, req.socket.remotePort]).toEqual([undefined, undefined]);
  });
});

describe('body', () => {
  test('pushed chunks reach the listener as the same Buffers, then end; complete becomes true', async () => {
    const chunks = [Buffer.from('ab'), Buffer.from('cd')];
    const got: Buffer[] = [];
    let ended = false;
    const { req, exchange } = capture(bodyParams('POST', '/', 'text/plain', 4), (q) => {
      q.on('data', (c: Buffer) => got.push(c));
      q.on('end', () => {
        ended = true;
      });
    });
    expect(req.complete).toBe(false);
    for (const c of chunks) expect(exchange.pushBody(c)).toBe(true);
    exchange.endBody();
    await turns();
    expect(got).toHaveLength(2);
    expect(got[0]).toBe(chunks[0]);
    expect(got[1]).toBe(chunks[1]);
    expect(ended).toBe(true);
    expect(req.complete).toBe(true);
  });

  test('pushBody returns false when the listener is not reading; reading resumes the server', async () => {
    const sink = new FakeSink();
    const { req, exchange } = capture(bodyParams('POST', '/', 'application/octet-stream', ''), () => {}, sink);
    const chunk = Buffer.alloc(16 * 1024);
    let accepted = 0;
    while (exchange.pushBody(chunk)) accepted++;
    expect(accepted).toBe(3); // 64 KiB default high-water mark: the 4th push fills it
    expect(sink.resumes).toBe(0);
    req.resume();
    await turns();
    expect(sink.resumes).toBe(1);
    expect(exchange.pushBody(chunk)).toBe(true);
  });

  test('bodyHighWaterMark sets the buffer size', () => {
    let req: IncomingMessage | undefined;
    const exchange = dispatch((q) => {
      req = q;
    }, bodyParams('POST', '/', 'text/plain', ''), new FakeSink(), { bodyHighWaterMark: 10 });
    expect(req?.readableHighWaterMark).toBe(10);
    expect(exchange.pushBody(Buffer.alloc(10))).toBe(false);
  });

  test('a listener that never reads the body: after the response, the rest is discarded', async () => {
    const sink = new FakeSink();
    const { req, exchange } = capture(bodyParams('POST', '/', 'text/plain', 100_000), (_q, s) => s.end('early'), sink);
    await sink.done();
    await turns();
    expect(req.readableFlowing).toBe(true); // dumped, as node:http does after 'finish'
    for (let i = 0; i < 10; i++) {
      expect(exchange.pushBody(Buffer.alloc(10_000))).toBe(true);
      await turns(1);
    }
    exchange.endBody();
    await turns();
    expect(req.readableEnded).toBe(true);
    expect(sink.aborts).toEqual([]);
  });

  test('pushes after endBody() are ignored', async () => {
    const got: string[] = [];
    const { exchange } = capture(bodyParams('POST', '/', 'text/plain', 1), (q) => q.on('data', (c: Buffer) => got.push(c.toString())));
    exchange.pushBody(Buffer.from('a'));
    exchange.endBody();
    expect(exchange.pushBody(Buffer.from('b'))).toBe(true);
    exchange.endBody();
    await turns();
    expect(got).toEqual(['a']);
  });
});

describe('abort (the client went away)', () => {
  test('mid-body: aborted, error ECONNRESET to a listener, close; res closes; no sink calls', async () => {
    const events: string[] = [];
    const sink = new FakeSink();
    const { req, res, exchange } = capture(bodyParams('POST', '/', 'text/plain', 100), (q, s) => {
      q.on('data', () => events.push('data'));
      q.on('aborted', () => events.push('aborted'));
      q.on('error', (e: NodeJS.ErrnoException) => events.push(`error:${e.code}:${e.message}`));
      q.on('close', () => events.push('req-close'));
      s.on('close', () => events.push('res-close'));
      s.on('finish', () => events.push('finish'));
    }, sink);
    exchange.pushBody(Buffer.from('part'));
    await turns(1);
    exchange.abort();
    await turns();
    // The order node:http itself produces when a client disconnects mid-body.
    expect(events).toEqual(['data', 'aborted', 'res-close', 'error:ECONNRESET:aborted', 'req-close']);
    expect([req.destroyed, req.aborted, res.destroyed, res.writableEnded]).toEqual([true, true, true, false]);
    // Writing to a response whose client left is a no-op that reports ERR_STREAM_DESTROYED.
    const code = await new Promise((resolve) => res.write('late', (e) => resolve((e as NodeJS.ErrnoException | undefined)?.code)));
    expect(code).toBe('ERR_STREAM_DESTROYED');
    expect(exchange.pushBody(Buffer.from('late'))).toBe(true);
    expect(sink.writes).toEqual([]);
    expect(sink.aborts).toEqual([]);
  });

  test('without an error listener there is no uncaught error', async () => {
    const events: string[] = [];
    const { exchange } = capture(bodyParams('POST', '/', 'text/plain', 100), (q) => {
      q.on('aborted', () => events.push('aborted'));
      q.on('close', () => events.push('close'));
    });
    exchange.abort();
    await turns();
    expect(events).toEqual(['aborted', 'close']);
  });

  test('after the response finished, abort does not touch the request', async () => {
    const sink = new FakeSink();
    const events: string[] = [];
    const { exchange } = capture(cgiParams(), (q, s) => {
      q.on('aborted', () => events.push('aborted'));
      s.end('done');
    }, sink);
    exchange.endBody();
    await turns();
    exchange.abort();
    await turns();
    expect(events).toEqual([]);
    expect(sink.ended).toBe(true);
  });

  test('req.destroy() by the listener aborts the exchange (node destroys the socket)', async () => {
    const sink = new FakeSink();
    const { res } = capture(bodyParams('POST', '/', 'text/plain', 100), (q) => {
      setImmediate(() => q.destroy());
    }, sink);
    await sink.done();
    await turns();
    expect(sink.aborts).toHaveLength(1);
    expect(res.destroyed).toBe(true);
  });
});
