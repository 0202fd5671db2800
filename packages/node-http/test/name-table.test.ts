import { describe, expect, test } from 'vitest';
import { NameTable } from '../src/name-table.js';

describe('NameTable', () => {
  // Same-length names that differ at different places, as CGI variables do.
  const names = ['REMOTE_ADDR', 'REMOTE_PORT', 'SERVER_ADDR', 'SERVER_PORT', 'SERVER_NAME', 'SCRIPT_NAME', 'REQUEST_URI', 'HTTPS', 'X'];
  const table = new NameTable(
    names.map((name, i) => [name, i] as const),
    -1,
  );

  test('finds every name, also as a fresh substring (how CGI names arrive)', () => {
    const joined = names.join('|');
    let at = 0;
    for (const [i, name] of names.entries()) {
      const fresh = joined.substring(at, at + name.length);
      at += name.length + 1;
      expect(table.get(fresh)).toBe(i);
    }
  });

  test('a name of a known length that matches a candidate only at the compared position is missing', () => {
    for (const name of ['REMOTE_ADDX', 'XEMOTE_ADDR', 'SERVER_ADD', 'REMOTE_ADDR_', 'HTTPs', 'https', 'Y', '', 'HTTP_ACCEPT']) {
      expect(table.get(name)).toBe(-1);
    }
  });

  test('every position of every name is checked (one changed character is never found)', () => {
    for (const name of names) {
      for (let i = 0; i < name.length; i++) {
        const changed = `${name.slice(0, i)}\u0000${name.slice(i + 1)}`;
        expect(table.get(changed)).toBe(-1);
      }
    }
  });

  test('object values and an undefined miss', () => {
    const value = { id: 1 };
    const objects = new NameTable<{ id: number } | undefined>([['HTTP_HOST', value]], undefined);
    expect(objects.get('HTTP_HOST')).toBe(value);
    expect(objects.get('HTTP_HOSS')).toBeUndefined();
  });

  test('matchBytes agrees with get on bytes where they lie, for every name and every one-byte change', () => {
    const bytesOf = (name: string) => {
      // The name inside a larger buffer, at an odd offset, as in a PARAMS record.
      const buf = Buffer.from(`##${name}##`, 'latin1');
      return { buf, start: 2, length: name.length };
    };
    for (const name of [...names, 'REMOTE_ADDX', 'SERVER_ADD', 'REMOTE_ADDR_', 'HTTPs', 'Y', 'HTTP_ACCEPT']) {
      const { buf, start, length } = bytesOf(name);
      expect(table.matchBytes(buf, start, length)).toBe(table.get(name));
      for (let i = 0; i < name.length; i++) {
        const changed = `${name.slice(0, i)}\u0000${name.slice(i + 1)}`;
        const c = bytesOf(changed);
        expect(table.matchBytes(c.buf, c.start, c.length)).toBe(-1);
      }
    }
    expect(table.matchBytes(Buffer.alloc(0), 0, 0)).toBe(-1);
  });
});
