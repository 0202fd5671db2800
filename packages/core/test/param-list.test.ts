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

  it('reserve() sizes an empty list up front and is ignored once pairs exist; the list grows past it', () => {
    const bytes = Buffer.from('AxBbCcDd', 'latin1');
    const list = new ParamList();
    list.reserve(2);
    for (let i = 0; i < 4; i++) list.addView(bytes, i * 2, 1, i * 2 + 1, 1); // two more than reserved
    list.reserve(100); // after the first pair: no effect on what the list holds
    list.addView(bytes, 0, 1, 1, 1);
    expect(list.toArray()).toEqual([
      ['A', 'x'],
      ['B', 'b'],
      ['C', 'c'],
      ['D', 'd'],
      ['A', 'x'],
    ]);
    expect(list.get('A')).toBe('x');
  });

  it('compares and classifies names on their bytes, with or without strings made, across segments', () => {
    const first = Buffer.from('xxCONTENT_LENGTH5HTTP_HOSTh', 'latin1');
    const second = Buffer.from('CONTENT_LENGTH7', 'latin1'); // a second segment (another buffer)
    const list = new ParamList();
    list.addView(first, 2, 14, 16, 1);
    list.addView(first, 17, 9, 26, 1);
    list.addView(second, 0, 14, 14, 1);
    expect(list.nameLength(1)).toBe(9);
    expect(list.nameIs(0, 'CONTENT_LENGTH')).toBe(true);
    expect(list.nameIs(0, 'CONTENT_LENGTX')).toBe(false);
    expect(list.nameIs(1, 'CONTENT_LENGTH')).toBe(false);
    expect(list.nameStartsWith(1, 'HTTP_')).toBe(true);
    expect(list.nameStartsWith(0, 'HTTP_')).toBe(false);
    expect(list.nameStartsWith(1, 'HTTP_HOST_AND_MORE')).toBe(false);
    // Last wins, found in the second segment, and the same once strings exist.
    expect(list.lastIndexOf('CONTENT_LENGTH')).toBe(2);
    expect(list.get('CONTENT_LENGTH')).toBe('7');
    list.toObject();
    expect(list.nameIs(2, 'CONTENT_LENGTH')).toBe(true);
    expect(list.lastIndexOf('HTTP_HOST')).toBe(1);
    const seen: string[] = [];
    const matcher = {
      matchBytes: (bytes: Uint8Array, start: number, length: number) => {
        seen.push(Buffer.from(bytes.subarray(start, start + length)).toString('latin1'));
        return length;
      },
    };
    expect([0, 1, 2].map((i) => list.matchName(i, matcher))).toEqual([14, 9, 14]);
    expect(seen).toEqual(['CONTENT_LENGTH', 'HTTP_HOST', 'CONTENT_LENGTH']);
    expect(() => list.nameIs(3, 'X')).toThrow(RangeError);
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

  it('keeps pairs from several buffers apart (one segment per run of pairs in a buffer)', () => {
    const a = Buffer.from('xxA1BB22', 'latin1');
    const b = Buffer.from('CCC333', 'latin1');
    const list = new ParamList(1); // a short capacity hint: the table grows
    list.addView(a, 2, 1, 3, 1);
    list.addView(a, 4, 2, 6, 2);
    list.addView(b, 0, 3, 3, 3);
    list.addView(a, 2, 1, 3, 1); // back to the first buffer, before its last pair: a new segment
    list.addView(b, 3, 0, 3, 3); // empty name
    const expected = [
      ['A', '1'],
      ['BB', '22'],
      ['CCC', '333'],
      ['A', '1'],
      ['', '333'],
    ];
    expect(list.toArray()).toEqual(expected);
    expect(list.get('A')).toBe('1');
    expect(list.lastIndexOf('A')).toBe(3);
    expect(list.lastIndexOf('CCC')).toBe(2);
    expect(list.nameBytes(2).buffer).toBe(b.buffer);
    expect(list.valueBytes(1).toString('latin1')).toBe('22');
    expect(list.byteLength).toBe(2 + 4 + 6 + 2 + 3);
    list.detach();
    a.fill(0x2e);
    b.fill(0x2e);
    expect(list.toArray()).toEqual(expected);
  });

  it('starts a new segment after a decoded one, so its string never covers later bytes', () => {
    const buf = Buffer.from('N1M2', 'latin1');
    const list = new ParamList();
    list.addView(buf, 0, 1, 1, 1);
    expect(list.name(0)).toBe('N'); // decodes the first segment's range: "N1"
    list.addView(buf, 2, 1, 3, 1);
    expect(list.toArray()).toEqual([
      ['N', '1'],
      ['M', '2'],
    ]);
  });

  it('gives the same toArray whether or not strings were asked for first', () => {
    const buf = Buffer.from('..AA1B2CCC..', 'latin1');
    const build = () => {
      const list = new ParamList(8);
      list.addView(buf, 2, 2, 4, 1);
      list.addView(buf, 5, 1, 6, 1);
      list.addView(buf, 7, 3, 10, 0);
      return list;
    };
    const expected = [
      ['AA', '1'],
      ['B', '2'],
      ['CCC', ''],
    ];
    expect(build().toArray()).toEqual(expected);
    const asked = build();
    expect(asked.value(1)).toBe('2');
    expect(asked.toArray()).toEqual(expected);
    const after = build();
    after.toArray();
    expect(after.get('CCC')).toBe('');
    expect(after.name(0)).toBe('AA');
  });

  it('keeps pairs whose lengths or layout do not pack: long names and values, gaps, values before names', () => {
    // Each pair sits on one edge of the packed shape (name ≤ 4095 B, value ≤ 65535 B, gap 0..3).
    const longName = 'N'.repeat(4096);
    const edgeName = 'E'.repeat(4095);
    const longValue = 'v'.repeat(65536);
    const edgeValue = 'w'.repeat(65535);
    const text = `${longName}1${edgeName}2X${longValue}Y${edgeValue}G....gVvalN`;
    const buf = Buffer.from(text, 'latin1');
    const list = new ParamList();
    let at = 0;
    list.addView(buf, at, 4096, at + 4096, 1); // name one byte too long to pack
    at += 4097;
    list.addView(buf, at, 4095, at + 4095, 1); // longest packed name
    at += 4096;
    list.addView(buf, at, 1, at + 1, 65536); // value one byte too long to pack
    at += 1 + 65536;
    list.addView(buf, at, 1, at + 1, 65535); // longest packed value
    at += 1 + 65535;
    list.addView(buf, at, 1, at + 5, 1); // gap of 4 (one more than packs): "G" … "g"
    at += 6;
    const valueFirst = at; // "V", "val", "N": the value lies before its name
    list.addView(buf, valueFirst + 4, 1, valueFirst + 1, 3);
    list.addView(buf, valueFirst, 1, valueFirst + 1, 0); // gap 0, empty value
    const expected = [
      [longName, '1'],
      [edgeName, '2'],
      ['X', longValue],
      ['Y', edgeValue],
      ['G', 'g'],
      ['N', 'val'],
      ['V', ''],
    ];
    const check = (l: ParamList) => {
      expect(l.toArray()).toEqual(expected);
      expect(expected.map((_, i) => l.nameLength(i))).toEqual(expected.map(([n]) => n?.length));
      expect(expected.map((_, i) => l.valueBytes(i).toString('latin1'))).toEqual(expected.map(([, v]) => v));
      expect(l.get(longName)).toBe('1');
      expect(l.nameIs(0, longName)).toBe(true);
      expect(l.nameIs(1, longName.slice(1))).toBe(false);
      expect(l.get('N')).toBe('val');
    };
    check(list);
    list.detach();
    buf.fill(0x2e);
    check(list);
  });

  it('rejects an out-of-range index', () => {
    expect(() => new ParamList().name(0)).toThrow(RangeError);
  });
});
