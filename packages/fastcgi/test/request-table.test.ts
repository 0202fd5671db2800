import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RequestTable } from '../src/request-table.js';

describe('RequestTable', () => {
  it('behaves as a Map of ids 1..65535, small ids (array slots) and large ids (Map) alike', () => {
    const id = fc.oneof(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 65535 }));
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), id, value: fc.integer() }),
      fc.record({ kind: fc.constant('delete' as const), id }),
      fc.record({ kind: fc.constant('clear' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const table = new RequestTable<{ v: number }>();
        const model = new Map<number, { v: number }>();
        for (const o of ops) {
          if (o.kind === 'set') {
            const value = { v: o.value };
            table.set(o.id, value);
            model.set(o.id, value);
          } else if (o.kind === 'delete') {
            expect(table.delete(o.id)).toBe(model.delete(o.id));
          } else {
            table.clear();
            model.clear();
          }
          expect(table.size).toBe(model.size);
        }
        for (const [k, v] of model) expect(table.get(k)).toBe(v);
        expect(table.get(1)).toBe(model.get(1));
        expect(table.get(65535)).toBe(model.get(65535));
        // Same entries; small ids come out in ascending order.
        expect(new Set(table.values())).toEqual(new Set(model.values()));
        const small = [...model.keys()].filter((k) => k <= 64).sort((a, b) => a - b);
        expect(table.values().slice(0, small.length)).toEqual(small.map((k) => model.get(k)));
      }),
      { numRuns: 300 },
    );
  });

  it('values() is a snapshot: deleting while iterating it is safe', () => {
    const table = new RequestTable<string>();
    for (const id of [1, 2, 3, 100, 200]) table.set(id, `r${id}`);
    for (const [i, value] of table.values().entries()) table.delete([1, 2, 3, 100, 200][i] as number) && expect(value).toBeTypeOf('string');
    expect(table.size).toBe(0);
    expect(table.values()).toEqual([]);
  });
});
