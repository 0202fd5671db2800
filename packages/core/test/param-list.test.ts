import { describe, expect, it } from 'vitest';
import { ParamList } from '../src/param-list.js';

describe('ParamList', () => {
  it('keeps wire order, duplicates, and last-wins lookups', () => {
    const list = ParamList.from([
      ['A', '1'],
      ['B', ''],
      ['A', '2'],
    ]);
    expect(list.length).toBe(3);
    expect(list.toArray()).toEqual([
      ['A', '1'],
      ['B', ''],
      ['A', '2'],
    ]);
    expect(list.get('A')).toBe('2');
    expect(list.get('B')).toBe('');
    expect(list.get('C')).toBeUndefined();
    expect(list.has('B')).toBe(true);
    expect(list.toObject()).toEqual({ A: '2', B: '' });
    expect(list.byteLength).toBe(5);
  });

  it('preserves arbitrary bytes through latin1 strings', () => {
    const bytes = Buffer.from([0x00, 0x80, 0xff, 0xc3, 0xa9]);
    const list = ParamList.from([[Buffer.from('N'), bytes]]);
    expect(Buffer.from(list.value(0), 'latin1')).toEqual(bytes);
    expect(list.valueBytes(0)).toEqual(bytes);
  });

  it('reads views without copying and detaches into one buffer', () => {
    // Buffer.alloc is never pooled, so .buffer identifies this allocation alone.
    const backing = Buffer.alloc(13);
    backing.write('xxNAMEvaluexx', 'latin1');
    const list = new ParamList();
    list.addView(backing, 2, 4, 6, 5);
    expect(list.nameBytes(0).buffer).toBe(backing.buffer);
    list.detach();
    backing.fill(0x2e);
    expect(list.name(0)).toBe('NAME');
    expect(list.value(0)).toBe('value');
    expect(list.nameBytes(0).buffer).not.toBe(backing.buffer);
  });

  it('rejects an out-of-range index', () => {
    expect(() => new ParamList().name(0)).toThrow(RangeError);
  });
});
