import { formatJson } from '@gw/cli';
import { describe, expect, it } from 'vitest';

describe('formatJson', () => {
  const value = {
    a: 1,
    pairs: [
      ['x', 'y\n"z"'],
      ['\u00e9', ''],
    ],
    empty: [],
    none: {},
    nested: { list: [{ b: null }, [1, [2]]], flag: true },
    skipped: undefined,
  };

  it('parses back to the same value (undefined members dropped, like JSON.stringify)', () => {
    expect(JSON.parse(formatJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
  });

  it('indents by two spaces and keeps scalar arrays and flat objects on one line', () => {
    expect(formatJson({ p: [['a', 'b']], o: { n: [1, null, false] }, r: [{ x: 1, y: 'z' }] })).toBe(
      '{\n  "p": [\n    ["a", "b"]\n  ],\n  "o": {\n    "n": [1, null, false]\n  },\n  "r": [\n    { "x": 1, "y": "z" }\n  ]\n}',
    );
  });

  it('formats scalars, empty containers and a top-level scalar array like JSON', () => {
    expect(formatJson(null)).toBe('null');
    expect(formatJson('s')).toBe('"s"');
    expect(formatJson([])).toBe('[]');
    expect(formatJson({})).toBe('{}');
    expect(formatJson([1, 'two'])).toBe('[1, "two"]');
  });
});
