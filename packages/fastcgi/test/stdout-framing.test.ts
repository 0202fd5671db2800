import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ReadRecord, readFcgiRecords } from '@gw/test-utils';
import { encodeInto, frameLarge, type ResponseTail } from '../src/server/stdout-framing.js';

// STDOUT framing of the FastCGI server's responses: checked against a naive reader of the bytes.

/** Checks framed output: STDOUT records carrying `payload`, aligned, then the tail if any. */
function expectFramed(out: Buffer, payload: Buffer, tail: ResponseTail | null): void {
  const records = readFcgiRecords(out);
  const stdout = tail === null ? records : records.slice(0, records.length - (tail.stderrUsed ? 3 : 2));
  for (const r of stdout) {
    expect(r.type).toBe(6);
    expect(r.requestId).toBe(7);
    expect(r.content.length).toBeGreaterThan(0);
    expect(r.content.length).toBeLessThanOrEqual(65528);
    expect((r.content.length + r.padding) % 8).toBe(0);
  }
  expect(Buffer.concat(stdout.map((r) => r.content)).equals(payload)).toBe(true);
  if (tail === null) return;
  const ending = records.slice(stdout.length);
  expect(ending.map((r) => [r.type, r.content.length])).toEqual([[6, 0], ...(tail.stderrUsed ? [[7, 0]] : []), [3, 8]]);
  const end = (ending.at(-1) as ReadRecord).content;
  expect(end.readUInt32BE(0)).toBe(tail.appStatus >>> 0);
  expect(end[4]).toBe(0); // REQUEST_COMPLETE
}

const chunkLists = fc.array(
  fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 900, max: 1100 }), fc.integer({ min: 60_000, max: 140_000 })).map((n) => Buffer.alloc(n, n % 251)),
  { maxLength: 5 },
);
const tails = fc.option(fc.record({ stderrUsed: fc.boolean(), appStatus: fc.integer({ min: -2, max: 3 }) }));

describe('frameLarge', () => {
  it('frames any chunks as aligned STDOUT records of at most 65528 bytes, then the tail', () => {
    fc.assert(
      fc.property(chunkLists, tails, (chunks, tail) => {
        const payload = Buffer.concat(chunks);
        expectFramed(Buffer.concat(frameLarge(7, chunks, payload.length, tail)), payload, tail);
      }),
      { numRuns: 200 },
    );
  });

  it('sends a head and a 64 KiB body as three buffers, the body as a view (not copied)', () => {
    const head = Buffer.from('Status: 200 OK\r\nContent-Length: 65536\r\n\r\n', 'latin1');
    const body = Buffer.alloc(65536, 'x');
    const out = frameLarge(7, [head, body], head.length + body.length, { stderrUsed: false, appStatus: 0 });
    expect(out).toHaveLength(3);
    expect(out[1]?.buffer).toBe(body.buffer);
    expectFramed(Buffer.concat(out), Buffer.concat([head, body]), { stderrUsed: false, appStatus: 0 });
  });
});

describe('encodeInto', () => {
  it('copies any small chunks into one buffer with the same framing', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3000 }).map((n) => Buffer.alloc(n, 'y')), { maxLength: 6 }), tails, (chunks, tail) => {
        const payload = Buffer.concat(chunks);
        expectFramed(encodeInto(7, chunks, payload.length, tail), payload, tail);
      }),
    );
  });
});
