import { describe, expect, test } from 'vitest';
import { createDispatcher, type GatewayHandler } from '@gw/node-http';
import { cgiParams, FakeSink } from './helpers/fake-sink.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('createDispatcher', () => {
  test('rejects a handler that is neither a function nor { fetch }', () => {
    for (const handler of [null, 42, {}, { fetch: 'no' }]) {
      expect(codeOf(() => createDispatcher(handler as unknown as GatewayHandler))).toBe('GW_ERR_INVALID_OPTION');
    }
  });

  test('rejects a bodyHighWaterMark that is not a positive integer', () => {
    for (const bodyHighWaterMark of [0, -1, 1.5, Number.NaN]) {
      expect(codeOf(() => createDispatcher(() => {}, { bodyHighWaterMark }))).toBe('GW_ERR_INVALID_OPTION');
    }
  });

  test('one dispatcher serves many requests; the listener runs synchronously', () => {
    let calls = 0;
    const dispatch = createDispatcher((_req, res) => {
      calls++;
      res.end(String(calls));
    });
    const sinks = [new FakeSink(), new FakeSink()];
    for (const sink of sinks) dispatch(cgiParams(), sink);
    expect(calls).toBe(2);
    expect(sinks.map((s) => s.parse().body.toString())).toEqual(['1', '2']);
  });

  test('a 400 for bad variables goes out in the sink’s format, for Fetch handlers too', () => {
    const errors: unknown[] = [];
    const sink = new FakeSink('http');
    createDispatcher({ fetch: () => new Response('never') }, { onError: (e) => errors.push(e) })(cgiParams({ CONTENT_LENGTH: 'x' }), sink);
    expect(sink.parse().statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(sink.ended).toBe(true);
    expect((errors[0] as { code: string }).code).toBe('GW_ERR_BAD_REQUEST');
  });
});
