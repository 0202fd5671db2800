import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type ParamList, resolveLimits } from '@gw/core';
import { chunksOf, everySplit, fcgiPair, fcgiRecord } from '@gw/test-utils';
import { describe, expect, it } from 'vitest';
import { PairStreamParser, RECORD_DECODER_LIMITS, RecordDecoder, type RecordDecoderOptions, RecordType } from '../src/index.js';

// The decoder keeps one pair parser for stream after stream. These tests pin down what that
// reuse must never change: a ParamList handed out stays as it was, whatever the decoder reads
// next, and an idle decoder keeps nothing of the last request alive.

const T = RecordType;
const begin = (id: number) => fcgiRecord(T.BEGIN_REQUEST, id, Buffer.from([0, 1, 1, 0, 0, 0, 0, 0]));

/** One request: BEGIN, its pairs cut into PARAMS records at `cuts`, the terminator, empty STDIN. */
function request(id: number, pairs: [string, string][], cuts: number[] = []): Buffer {
  const body = Buffer.concat(pairs.map(([n, v]) => fcgiPair(n, v)));
  const records: Buffer[] = [begin(id)];
  let from = 0;
  for (const cut of [...cuts, body.length]) {
    if (cut > from) records.push(fcgiRecord(T.PARAMS, id, body.subarray(from, cut), (8 - ((cut - from) % 8)) % 8));
    from = cut;
  }
  records.push(fcgiRecord(T.PARAMS, id), fcgiRecord(T.STDIN, id));
  return Buffer.concat(records);
}

const pairsOf = (i: number): [string, string][] => [
  ['SCRIPT_FILENAME', `/srv/app${i}.php`],
  ['QUERY_STRING', `n=${i}`],
  ['HTTP_HOST', `h${i}.example`],
];

/** Decodes the chunks, keeping every ParamList (not its strings) to inspect afterwards. */
function keepLists(chunks: readonly Buffer[], options?: RecordDecoderOptions): { lists: [number, ParamList][]; decoder: RecordDecoder } {
  const lists: [number, ParamList][] = [];
  const decoder = new RecordDecoder(
    {
      onParams: (id, params) => lists.push([id, params]),
      onError: (err) => {
        throw err;
      },
    },
    options,
  );
  for (const c of chunks) decoder.push(c);
  decoder.end();
  return { lists, decoder };
}

describe('RecordDecoder: ParamList ownership with a reused pair parser', () => {
  it('leaves every handed-out list intact while later requests are decoded', () => {
    const bytes = Buffer.concat([request(1, pairsOf(0)), request(1, pairsOf(1), [7]), request(1, pairsOf(2), [20, 40])]);
    const expected = [0, 1, 2].map((i) => [1, pairsOf(i)]);
    const check = (chunks: readonly Buffer[]) => {
      const { lists } = keepLists(chunks);
      // Strings are made only now, after the whole stream was decoded.
      expect(lists.map(([id, p]) => [id, p.toArray()])).toEqual(expected);
    };
    check([bytes]);
    check(chunksOf(bytes, 5));
    for (const chunks of everySplit(bytes)) check(chunks);
  });

  it('gives multiplexed streams their own lists, and reuses the shared parser afterwards', () => {
    const params = (id: number, i: number) => fcgiRecord(T.PARAMS, id, Buffer.concat(pairsOf(i).map(([n, v]) => fcgiPair(n, v))));
    const bytes = Buffer.concat([
      params(1, 1), // the reused parser takes request 1
      params(2, 2), // request 2 gets its own parser
      params(3, 3),
      fcgiRecord(T.PARAMS, 1), // request 1 ends first: the reused parser is free again
      params(4, 4), // ... and takes request 4 while 2 and 3 are still open
      fcgiRecord(T.PARAMS, 3),
      fcgiRecord(T.PARAMS, 4),
      fcgiRecord(T.PARAMS, 2),
      request(1, pairsOf(5)),
    ]);
    const { lists, decoder } = keepLists(chunksOf(bytes, 13), { maxOpenParamsStreams: 3 });
    expect(lists.map(([id, p]) => [id, p.toArray()])).toEqual([
      [1, pairsOf(1)],
      [3, pairsOf(3)],
      [4, pairsOf(4)],
      [2, pairsOf(2)],
      [1, pairsOf(5)],
    ]);
    expect(decoder.openParamsStreams).toBe(0);
  });

  it('counts the reused parser against maxOpenParamsStreams', () => {
    const open = (id: number) => fcgiRecord(T.PARAMS, id, fcgiPair('A', String(id)));
    const errorOf = (limit: number) => {
      let code: string | undefined;
      const decoder = new RecordDecoder({ onError: (err) => (code = err.code) }, { maxOpenParamsStreams: limit });
      decoder.push(Buffer.concat([open(1), open(2), open(3)]));
      return { code, open: decoder.openParamsStreams };
    };
    expect(errorOf(3)).toEqual({ code: undefined, open: 3 });
    expect(errorOf(2).code).toBe('FCGI_ERR_TOO_MANY_PARAMS_STREAMS');
    expect(errorOf(1).code).toBe('FCGI_ERR_TOO_MANY_PARAMS_STREAMS');
  });

  it('keeps no pairs or chunks of the last request alive once its PARAMS ended', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    let listRef: WeakRef<ParamList> | undefined;
    let chunkRef: WeakRef<Buffer> | undefined;
    const decoder = new RecordDecoder({ onParams: (_id, params) => (listRef = new WeakRef(params)) });
    (() => {
      // Buffer.alloc is never pooled, so the chunk's memory is reachable only through it.
      const bytes = request(1, pairsOf(0));
      const chunk = Buffer.alloc(bytes.length);
      bytes.copy(chunk);
      chunkRef = new WeakRef(chunk);
      decoder.push(chunk);
    })();
    expect(listRef?.deref()?.length).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 0)); // WeakRef targets are kept until the job ends
    gc();
    expect(listRef?.deref()).toBeUndefined();
    expect(chunkRef?.deref()).toBeUndefined();
    expect(decoder.atRecordBoundary).toBe(true); // the decoder itself is still alive and idle
  });
});

describe('PairStreamParser: begin and release', () => {
  const limits = resolveLimits(RECORD_DECODER_LIMITS, {}, 'test');
  const body = (i: number) => Buffer.concat(pairsOf(i).map(([n, v]) => fcgiPair(n, v)));

  it('starts each stream with a new list and never touches the previous one', () => {
    const parser = new PairStreamParser(limits, 1);
    const first = body(0);
    expect(parser.feed(first, 0, 10, 0)).toBeUndefined(); // ends inside a pair
    expect(parser.feed(first, 10, first.length, 10)).toBeUndefined();
    expect(parser.finish(first.length)).toBeUndefined();
    const kept = parser.params;
    parser.begin(2, 64);
    expect(parser.params).not.toBe(kept);
    expect(parser.bytes).toBe(0);
    const second = body(1);
    expect(parser.feed(second, 0, second.length, 0)).toBeUndefined();
    expect(kept.toArray()).toEqual(pairsOf(0));
    expect(parser.params.toArray()).toEqual(pairsOf(1));
  });

  it('forgets a partial pair on begin, so a new stream starts clean', () => {
    const parser = new PairStreamParser(limits, 1);
    const first = body(0);
    parser.feed(first, 0, 5, 0);
    expect(parser.midPair).toBe(true);
    parser.begin(1);
    expect(parser.midPair).toBe(false);
    const second = body(1);
    expect(parser.feed(second, 0, second.length, 0)).toBeUndefined();
    expect(parser.params.toArray()).toEqual(pairsOf(1));
  });

  it('after release, reads as an empty list and refuses to be fed until begin', () => {
    const parser = new PairStreamParser(limits, 1);
    const bytes = body(0);
    parser.feed(bytes, 0, bytes.length, 0);
    const kept = parser.params;
    parser.release();
    expect(parser.params.length).toBe(0);
    expect(kept.length).toBe(3);
    expect(() => parser.feed(bytes, 0, bytes.length, 0)).toThrow(Error);
    parser.begin(1);
    expect(parser.feed(bytes, 0, bytes.length, 0)).toBeUndefined();
    expect(parser.params.length).toBe(3);
  });

  it('checks maxParamsBytes per pair in a segment larger than the budget (GET_VALUES bodies are not checked at the header)', () => {
    const pairs = Buffer.concat([fcgiPair('AAAA', '1111'), fcgiPair('BBBB', '2222'), fcgiPair('CCCC', '3333')]);
    const parser = new PairStreamParser({ ...limits, maxParamsBytes: 15 }, 0);
    const err = parser.feed(pairs, 0, pairs.length, 100, true);
    expect(err?.code).toBe('FCGI_ERR_PARAMS_TOO_LARGE');
    expect(err?.offset).toBe(110); // the second pair, the first that ends past 15 bytes
    expect(parser.params.length).toBe(1);
  });
});
