import { describe, expect, it } from 'vitest';
import { ChunkQueue } from '../src/chunk-queue.js';

function queueOf(...parts: string[]): ChunkQueue {
  const q = new ChunkQueue();
  for (const p of parts) q.push(Buffer.from(p));
  return q;
}

describe('ChunkQueue', () => {
  it('returns a view for a field inside one chunk', () => {
    const chunk = Buffer.from('abcdef');
    const q = new ChunkQueue();
    q.push(chunk);
    const out = q.consume(3);
    expect(out.toString()).toBe('abc');
    expect(out.buffer).toBe(chunk.buffer);
    expect(q.length).toBe(3);
  });

  it('copies a field that straddles chunks', () => {
    const q = queueOf('ab', 'cd', 'ef');
    expect(q.consume(5).toString()).toBe('abcde');
    expect(q.length).toBe(1);
    expect(q.consume(1).toString()).toBe('f');
  });

  it('finds bytes across chunks and within limits', () => {
    const q = queueOf('ab', 'c:d', 'e');
    expect(q.indexOf(0x3a)).toBe(3);
    expect(q.indexOf(0x3a, 4)).toBe(-1);
    expect(q.indexOf(0x3a, 0, 3)).toBe(-1);
    q.skip(1);
    expect(q.indexOf(0x3a)).toBe(2);
    expect(q.byteAt(3)).toBe(0x64);
  });

  it('hands out payload views chunk by chunk', () => {
    const q = queueOf('ab', 'cd');
    q.skip(1);
    expect(q.consumeViews(10).map(String)).toEqual(['b', 'cd']);
    expect(q.length).toBe(0);
  });

  it('refuses to consume more than it holds', () => {
    expect(() => queueOf('a').consume(2)).toThrow(RangeError);
  });
});
