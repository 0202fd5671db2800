import { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, test } from 'vitest';
import { dispatch, type NodeRequestListener } from '@gw/node-http';
import { cgiParams, FakeSink, headerValues, parseResponse, turns } from './helpers/fake-sink.js';
import { getParams, serve } from './helpers/exchange.js';

/** Runs `listener` and returns the sink once the response ended or aborted. */
async function run(listener: NodeRequestListener, params = cgiParams(), sink = new FakeSink()) {
  const exchange = dispatch(listener, params, sink, { onError: () => {} });
  exchange.endBody();
  await sink.done();
  await turns();
  return { sink, exchange };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('wire form', () => {
  test('setHeader + end(string): one sink write holding head and body, with end', async () => {
    const { sink } = await run((_req, res) => {
      res.setHeader('Content-Type', 'text/plain');
      res.end('hello world!\n');
    });
    expect(sink.writes).toHaveLength(1);
    expect(sink.writes[0]?.end).toBe(true);
    expect(sink.bytes.toString('latin1')).toBe('Status: 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nhello world!\n');
  });

  test('writeHead() then end(): the sink hears the end once (node uncorks again after the head went out)', async () => {
    const errors: unknown[] = [];
    const sink = new FakeSink(); // throws on a write after the end
    const exchange = dispatch(
      (_req, res) => {
        res.writeHead(301, { Location: '/there' });
        res.end();
      },
      cgiParams(),
      sink,
      { onError: (error) => errors.push(error) },
    );
    exchange.endBody();
    await sink.done();
    await turns();
    expect(errors).toEqual([]);
    expect(sink.writes.map((w) => w.end)).toEqual([true]);
    expect(sink.parse().status).toBe(301);
  });

  test('end(Buffer): one write [head, body], the body being the caller’s Buffer', async () => {
    const body = Buffer.from('binary \x00\xff', 'latin1');
    const { sink } = await run((_req, res) => res.end(body));
    expect(sink.writes).toHaveLength(1);
    expect(sink.writes[0]?.chunks[1]).toBe(body);
    expect(sink.parse().body.equals(body)).toBe(true);
  });

  test('uwsgi sinks get an HTTP status line', async () => {
    const { sink } = await run((_req, res) => res.end('x'), cgiParams(), new FakeSink('http'));
    expect(sink.bytes.toString('latin1')).toBe('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx');
  });

  test('no Date, Connection, Keep-Alive or Transfer-Encoding are added; sendDate = true adds Date', async () => {
    const streamed = await serve((_req, res) => {
      res.write('a');
      setImmediate(() => res.end('b'));
    });
    expect(streamed.headers).toEqual([]);
    expect(streamed.body.toString()).toBe('ab');
    const dated = await serve((_req, res) => {
      res.sendDate = true;
      res.end();
    });
    expect(headerValues(dated, 'date')).toHaveLength(1);
  });

  test('connection fields set by the app are dropped and the body is never chunked', async () => {
    const r = await serve((_req, res) => {
      res.setHeader('Transfer-Encoding', 'chunked');
      res.setHeader('Connection', 'close');
      res.appendHeader('Keep-Alive', 'timeout=5');
      res.setHeader('Trailer', 'X-T');
      res.setHeader('X-Kept', '1');
      res.write('a');
      setImmediate(() => res.end('bc'));
    });
    expect(r.headers).toEqual([['X-Kept', '1']]);
    expect(r.body.toString()).toBe('abc');
  });

  test('writeHead drops connection fields from objects, flat arrays and pair arrays', async () => {
    const shapes: unknown[] = [
      { 'Transfer-Encoding': 'chunked', 'X-A': '1' },
      ['Connection', 'close', 'X-A', '1'],
      [['keep-alive', 'x'], ['X-A', '1']],
    ];
    for (const headers of shapes) {
      const r = await serve((_req, res) => {
        res.writeHead(201, headers as never);
        res.end('ok');
      });
      expect(r.status).toBe(201);
      expect(r.headers).toEqual([['X-A', '1']]);
      expect(r.body.toString()).toBe('ok');
    }
  });

  test('writeHead with a status message, and statusCode/statusMessage properties', async () => {
    const a = await serve((_req, res) => {
      res.writeHead(404, 'Nowhere', { 'X-A': '1' });
      res.end();
    });
    expect(a.statusLine).toBe('Status: 404 Nowhere');
    const b = await serve((_req, res) => {
      res.statusCode = 418;
      res.end();
    });
    expect(b.statusLine).toBe("Status: 418 I'm a Teapot");
    const c = await serve((_req, res) => {
      res.statusCode = 503;
      res.statusMessage = 'Later';
      res.end();
    });
    expect(c.statusLine).toBe('Status: 503 Later');
  });

  test('several Set-Cookie values are several lines', async () => {
    const r = await serve((_req, res) => {
      res.setHeader('Set-Cookie', ['a=1', 'b=2']);
      res.appendHeader('Set-Cookie', 'c=3');
      res.end();
    });
    expect(headerValues(r, 'set-cookie')).toEqual(['a=1', 'b=2', 'c=3']);
  });

  test('flushHeaders sends the head alone, without end', async () => {
    const sink = new FakeSink();
    const exchange = dispatch(
      (_req, res) => {
        res.flushHeaders();
        setImmediate(() => res.end('body'));
      },
      cgiParams(),
      sink,
    );
    exchange.endBody();
    expect(sink.writes).toHaveLength(1);
    expect(sink.writes[0]?.end).toBe(false);
    expect(sink.bytes.toString()).toBe('Status: 200 OK\r\n\r\n');
    await sink.done();
    expect(sink.parse().body.toString()).toBe('body');
  });

  test('interim responses write nothing but call back', async () => {
    let calls = 0;
    const r = await serve((_req, res) => {
      res.writeContinue(() => calls++);
      res.writeProcessing(() => calls++);
      res.writeEarlyHints({ link: '</a.css>; rel=preload' }, () => calls++);
      setImmediate(() => res.end('done'));
    });
    expect(calls).toBe(3);
    expect(r.statusLine).toBe('Status: 200 OK');
    expect(r.body.toString()).toBe('done');
  });
});

describe('no body: HEAD, 204, 304', () => {
  test('HEAD: head only, node’s rules', async () => {
    const r = await serve(
      (_req, res) => {
        res.setHeader('Content-Type', 'text/plain');
        res.end('not sent');
      },
      { params: getParams('/', { REQUEST_METHOD: 'HEAD' }) },
    );
    expect(r.body.length).toBe(0);
    expect(headerValues(r, 'content-type')).toEqual(['text/plain']);
  });

  test.each([204, 304])('%i: no body', async (status) => {
    const r = await serve((_req, res) => {
      res.statusCode = status;
      res.end('not sent');
    });
    expect(r.status).toBe(status);
    expect(r.body.length).toBe(0);
  });
});

describe('node:http API', () => {
  test('is a real ServerResponse with node’s header methods and validation', async () => {
    const seen: Record<string, unknown> = {};
    await run((req, res) => {
      seen.isResponse = res instanceof ServerResponse && req instanceof IncomingMessage;
      res.setHeader('X-One', '1');
      res.setHeader('X-Two', ['a', 'b']);
      res.appendHeader('X-One', '2');
      seen.one = res.getHeader('x-one');
      seen.names = res.getHeaderNames();
      seen.headers = { ...res.getHeaders() };
      seen.has = [res.hasHeader('X-TWO'), res.hasHeader('x-three')];
      res.removeHeader('x-two');
      seen.afterRemove = res.getHeaderNames();
      seen.badName = codeOf(() => res.setHeader('bad name', 'x'));
      seen.badValue = codeOf(() => res.setHeader('x-bad', 'a\r\nb'));
      seen.undefinedValue = codeOf(() => res.setHeader('x-bad', undefined as never));
      seen.badStatus = codeOf(() => res.writeHead(1000));
      seen.before = [res.headersSent, res.writableEnded];
      res.end();
      seen.after = [res.headersSent, res.writableEnded];
      seen.setAfterSent = codeOf(() => res.setHeader('x-late', '1'));
    });
    expect(seen).toEqual({
      isResponse: true,
      one: ['1', '2'],
      names: ['x-one', 'x-two'],
      headers: { 'x-one': ['1', '2'], 'x-two': ['a', 'b'] },
      has: [true, false],
      afterRemove: ['x-one'],
      badName: 'ERR_INVALID_HTTP_TOKEN',
      badValue: 'ERR_INVALID_CHAR',
      undefinedValue: 'ERR_HTTP_INVALID_HEADER_VALUE',
      badStatus: 'ERR_HTTP_INVALID_STATUS_CODE',
      before: [false, false],
      after: [true, true],
      setAfterSent: 'ERR_HTTP_HEADERS_SENT',
    });
  });

  test('events: write callback, end callback, finish then close; writableFinished', async () => {
    const events: string[] = [];
    const sink = new FakeSink();
    const exchange = dispatch(
      (_req, res) => {
        res.on('finish', () => events.push(`finish:${res.writableFinished}`));
        res.on('close', () => events.push(`close:${res.destroyed}`));
        res.write('a', () => events.push('write-cb'));
        res.end('b', () => events.push('end-cb'));
        events.push('ended');
      },
      cgiParams(),
      sink,
    );
    exchange.endBody();
    await turns(4);
    expect(events).toEqual(['ended', 'write-cb', 'finish:true', 'end-cb', 'close:true']);
    expect(sink.writes.at(-1)?.end).toBe(true);
  });

  test('write callbacks on a destroyed socket: what the sink took completes, what it never got fails', async () => {
    const seen: string[] = [];
    const cb = (name: string) => (error?: Error | null) => seen.push(`${name}:${(error as NodeJS.ErrnoException | null)?.code ?? 'ok'}`);
    // node batches a tick's writes (it corks the socket until the next tick): one tick's writes
    // are one flush, with one callback (a single function) or several (an array).
    for (const pendingWrites of [['lone'], ['x', 'y']]) {
      seen.length = 0;
      const sink = new FakeSink();
      sink.full = true; // the first flush is taken but held: its callback waits for a drain
      const exchange = dispatch(
        async (_req, res) => {
          res.write('held', cb('held'));
          await turns(2); // the flush reached the sink, which is behind
          for (const name of pendingWrites) res.write(name, cb(name)); // kept here: the sink is behind
          res.socket?.destroy();
        },
        cgiParams(),
        sink,
        { onError: () => {} },
      );
      exchange.endBody();
      await turns(6);
      expect(sink.writes).toHaveLength(1);
      expect(sink.aborts).toHaveLength(1);
      expect(seen).toEqual(['held:ok', ...pendingWrites.map((name) => `${name}:ERR_STREAM_DESTROYED`)]);
    }
  });

  test('write after end emits ERR_STREAM_WRITE_AFTER_END, as node does', async () => {
    let code: string | undefined;
    await run((_req, res) => {
      res.on('error', (error: NodeJS.ErrnoException) => {
        code = error.code;
      });
      res.end('x');
      res.write('y');
    });
    expect(code).toBe('ERR_STREAM_WRITE_AFTER_END');
  });

  test('a body bigger than the socket’s high-water mark makes write() return false, then drain', async () => {
    const big = Buffer.alloc(64 * 1024, 1);
    const seen: unknown[] = [];
    const r = await serve((_req, res) => {
      const ok = res.write(big);
      seen.push(ok, res.writableNeedDrain);
      res.once('drain', () => {
        seen.push('drain', res.writableNeedDrain);
        res.end();
      });
    });
    expect(seen).toEqual([false, true, 'drain', false]);
    expect(r.body.equals(big)).toBe(true);
  });
});

describe('backpressure from the sink', () => {
  test('a full sink holds output until exchange.drain(); then drain, then the rest', async () => {
    const sink = new FakeSink();
    sink.full = true;
    const chunk = Buffer.alloc(20_000, 7);
    const log: string[] = [];
    const exchange = dispatch(
      (_req, res) => {
        const write = () => {
          let ok = true;
          let n = 0;
          while (ok && n < 10) {
            ok = res.write(chunk);
            n++;
          }
          log.push(`wrote ${n} ok=${ok}`);
          if (log.length < 3) res.once('drain', write);
          else res.end();
        };
        write();
      },
      cgiParams(),
      sink,
    );
    exchange.endBody();
    await turns();
    // The first flush went to the sink, which said "full": nothing more until drain().
    expect(sink.writes).toHaveLength(1);
    expect(log).toEqual(['wrote 1 ok=false']);
    sink.full = false;
    exchange.drain();
    await turns();
    expect(log).toEqual(['wrote 1 ok=false', 'wrote 1 ok=false', 'wrote 1 ok=false']);
    await sink.done();
    expect(sink.parse().body.length).toBe(3 * chunk.length);
  });

  test('finish waits until a full sink drained the last write', async () => {
    const sink = new FakeSink();
    sink.full = true;
    let finished = false;
    const exchange = dispatch(
      (_req, res) => {
        res.on('finish', () => {
          finished = true;
        });
        res.end('x');
      },
      cgiParams(),
      sink,
    );
    await turns();
    expect(sink.ended).toBe(true);
    expect(finished).toBe(false);
    exchange.drain();
    await turns();
    expect(finished).toBe(true);
  });
});

describe('failures', () => {
  test('res.destroy() before the end: sink.abort once, res closes, no more writes', async () => {
    const sink = new FakeSink();
    const error = new Error('boom');
    let closed = false;
    const exchange = dispatch(
      (_req, res) => {
        res.on('close', () => {
          closed = true;
        });
        res.write('partial');
        setImmediate(() => res.destroy(error));
      },
      cgiParams(),
      sink,
    );
    exchange.endBody();
    await sink.done();
    await turns();
    expect(sink.aborts).toEqual([error]);
    expect(closed).toBe(true);
    expect(sink.ended).toBe(false);
  });

  test('a listener that throws before responding gets a 500 and onError', async () => {
    const errors: unknown[] = [];
    const error = new Error('sync');
    const sink = new FakeSink();
    dispatch(
      (_req, res) => {
        res.setHeader('Content-Type', 'application/json');
        throw error;
      },
      cgiParams(),
      sink,
      { onError: (e) => errors.push(e) },
    );
    await sink.done();
    const r = sink.parse();
    expect(r.status).toBe(500);
    expect(headerValues(r, 'content-type')).toEqual(['text/plain; charset=utf-8']);
    expect(r.body.toString()).toBe('Internal Server Error');
    expect(errors).toEqual([error]);
  });

  test('a rejected promise after the head went out aborts the response', async () => {
    const errors: unknown[] = [];
    const sink = new FakeSink();
    dispatch(
      async (_req, res) => {
        res.flushHeaders();
        await turns(1);
        throw new Error('late');
      },
      cgiParams(),
      sink,
      { onError: (e) => errors.push(e) },
    );
    await sink.done();
    expect(sink.aborts).toHaveLength(1);
    expect(errors).toHaveLength(1);
  });

  test('GW_ERR_BAD_REQUEST: a canned 400, the listener never runs', async () => {
    const errors: { code?: string }[] = [];
    const sink = new FakeSink();
    let called = false;
    const exchange = dispatch(
      () => {
        called = true;
      },
      cgiParams({ REQUEST_METHOD: undefined }),
      sink,
      { onError: (e) => errors.push(e as { code?: string }) },
    );
    expect(exchange.pushBody(Buffer.from('ignored'))).toBe(true);
    exchange.endBody();
    exchange.abort();
    expect(called).toBe(false);
    expect(errors.map((e) => e.code)).toEqual(['GW_ERR_BAD_REQUEST']);
    expect(sink.writes).toHaveLength(1);
    const r = parseResponse(sink.bytes);
    expect(r.statusLine).toBe('Status: 400 Bad Request');
  });
});
