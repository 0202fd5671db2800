import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeRequest, setRequestId } from '../src/client/request-encoding.js';
import { RequestIdAllocator } from '../src/client/request-ids.js';
import { addUnlessGiven, toPairs } from '../src/client/request-params.js';
import { ParamList } from '@gw/core';
import { readFcgiRecords } from '@gw/test-utils';
import { RecordType, Role } from '../src/index.js';

/** The records of `bytes`, read by hand (shares nothing with the encoder). */
function records(bytes: Buffer): { type: number; id: number; content: Buffer; padding: number }[] {
  return readFcgiRecords(bytes).map((r) => ({ type: r.type, id: r.requestId, content: r.content, padding: r.padding }));
}

/** Parses one record's content as whole name-value pairs (spec §3.4); throws if a pair is cut. */
function wholePairs(content: Buffer): [string, number][] {
  const out: [string, number][] = [];
  let at = 0;
  const length = () => {
    const b = content[at] as number;
    if (b < 0x80) return content[at++] as number;
    const n = content.readUInt32BE(at) & 0x7fffffff;
    at += 4;
    return n;
  };
  while (at < content.length) {
    const n = length();
    const v = length();
    if (at + n + v > content.length) throw new Error('pair cut by the record end');
    out.push([content.toString('latin1', at, at + n), v]);
    at += n + v;
  }
  return out;
}

describe('encodeRequest', () => {
  it('packs PARAMS as whole pairs per record, content + padding ≤ 65535, for 2 KiB and 60 KiB values among many pairs', () => {
    const pairs = toPairs({ A: 'x'.repeat(2048), B: 'y'.repeat(60 * 1024), C: 'z'.repeat(60 * 1024) });
    for (let i = 0; i < 500; i++) pairs.push([`P${i}`, 'v'.repeat(i)]);
    const { preamble } = encodeRequest(pairs, Role.RESPONDER, undefined, undefined);
    const params = records(preamble).filter((r) => r.type === RecordType.PARAMS);
    expect(params.length).toBeGreaterThan(3);
    const names: string[] = [];
    for (const r of params) {
      expect(r.content.length + r.padding).toBeLessThanOrEqual(65535);
      for (const [name] of wholePairs(r.content)) names.push(name);
    }
    expect(names).toEqual(['A', 'B', 'C', ...Array.from({ length: 500 }, (_, i) => `P${i}`)]);
    expect(params.at(-1)?.content.length).toBe(0); // the terminator
  });

  it('rejects a single pair too large for one record (php-fpm cannot take split pairs)', () => {
    expect(() => encodeRequest(toPairs({ HUGE: 'x'.repeat(70_000) }), Role.RESPONDER, undefined, undefined)).toThrow(
      expect.objectContaining({ code: 'FCGI_ERR_PAIR_TOO_LARGE' }),
    );
  });

  it('always sends the empty STDIN, even without a body, with KEEP_CONN set', () => {
    const recs = records(encodeRequest([], Role.RESPONDER, undefined, undefined).preamble);
    expect(recs.map((r) => r.type)).toEqual([RecordType.BEGIN_REQUEST, RecordType.PARAMS, RecordType.STDIN]);
    expect(recs[0]?.content[2]).toBe(1); // FCGI_KEEP_CONN
    expect(recs[2]?.content.length).toBe(0);
  });

  it('sends no STDIN at all for an Authorizer without a body (Apache mod_authnz_fcgi)', () => {
    const recs = records(encodeRequest([], Role.AUTHORIZER, undefined, undefined).preamble);
    expect(recs.map((r) => r.type)).toEqual([RecordType.BEGIN_REQUEST, RecordType.PARAMS]);
  });

  it('inlines a small body and a Filter’s DATA after it, each terminated, in order', () => {
    const { preamble, streams } = encodeRequest([], Role.FILTER, Buffer.from('in'), Buffer.from('file'));
    expect(streams).toEqual([]);
    const recs = records(preamble).map((r) => [r.type, r.content.toString()]);
    expect(recs.slice(2)).toEqual([
      [RecordType.STDIN, 'in'],
      [RecordType.STDIN, ''],
      [RecordType.DATA, 'file'],
      [RecordType.DATA, ''],
    ]);
  });

  it('leaves a large body, and everything after it, to be streamed', () => {
    const big = Buffer.alloc(100_000);
    const { preamble, streams } = encodeRequest([], Role.FILTER, big, Buffer.from('small'));
    expect(records(preamble).map((r) => r.type)).toEqual([RecordType.BEGIN_REQUEST, RecordType.PARAMS]);
    expect(streams.map((s) => s.type)).toEqual([RecordType.STDIN, RecordType.DATA]);
  });

  it('setRequestId retargets every record of the preamble', () => {
    const { preamble } = encodeRequest(toPairs({ A: 'b'.repeat(70_000 / 2), C: 'd'.repeat(70_000 / 2) }), Role.RESPONDER, Buffer.from('body'), undefined);
    setRequestId(preamble, 513);
    expect(new Set(records(preamble).map((r) => r.id))).toEqual(new Set([513]));
  });
});

describe('request params', () => {
  it('accepts an object, a ParamList or pairs, and adds CONTENT_LENGTH only when not given', () => {
    const fromObject = toPairs({ A: '1', N: 2 });
    addUnlessGiven(fromObject, 'CONTENT_LENGTH', 10);
    expect(fromObject).toEqual([
      ['A', '1'],
      ['N', '2'],
      ['CONTENT_LENGTH', '10'],
    ]);
    const given = toPairs(ParamList.from([['CONTENT_LENGTH', '']]));
    addUnlessGiven(given, 'CONTENT_LENGTH', 10);
    expect(given.length).toBe(1);
    const bytes = toPairs([[Buffer.from('CONTENT_LENGTH'), Buffer.from('5')]]);
    addUnlessGiven(bytes, 'CONTENT_LENGTH', 10);
    expect(bytes.length).toBe(1);
  });
});

describe('RequestIdAllocator', () => {
  it('always hands out the lowest free id (against a reference set)', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 300 }), fc.nat(), (ops, seed) => {
        const ids = new RequestIdAllocator();
        const used = new Set<number>();
        let rng = seed;
        for (const allocate of ops) {
          if (allocate || used.size === 0) {
            let expected = 1;
            while (used.has(expected)) expected++;
            const id = ids.allocate();
            expect(id).toBe(expected);
            used.add(id);
          } else {
            rng = (rng * 1103515245 + 12345) & 0x7fffffff;
            const victim = [...used][rng % used.size] as number;
            used.delete(victim);
            ids.release(victim);
          }
          expect(ids.inUse).toBe(used.size);
        }
      }),
    );
  });

  it('supports id 65535 and reports exhaustion with 0', () => {
    const ids = new RequestIdAllocator();
    let last = 0;
    for (let i = 0; i < 65535; i++) last = ids.allocate();
    expect(last).toBe(65535);
    expect(ids.allocate()).toBe(0);
    ids.release(300);
    expect(ids.allocate()).toBe(300);
  });
});
