import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { FastCgiExchange } from '../src/client/exchange.js';
import { RequestQueue } from '../src/client/request-queue.js';

/** The queue only reads and writes `owner`; a plain object stands in for an exchange. */
function fakeExchange(label: string): FastCgiExchange {
  return { label, owner: null } as unknown as FastCgiExchange;
}

describe('RequestQueue', () => {
  it('is first in, first out; a request pushed to the front comes out first', () => {
    const queue = new RequestQueue();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(fakeExchange) as [FastCgiExchange, FastCgiExchange, FastCgiExchange, FastCgiExchange];
    queue.push(a);
    queue.push(b);
    queue.push(c);
    expect(queue.shift()).toBe(a);
    queue.push(d, true);
    expect(queue.size).toBe(3);
    expect([queue.shift(), queue.shift(), queue.shift(), queue.shift()]).toEqual([d, b, c, undefined]);
    expect(queue.size).toBe(0);
  });

  it('skips a cancelled request and releases it', () => {
    const queue = new RequestQueue();
    const [a, b] = ['a', 'b'].map(fakeExchange) as [FastCgiExchange, FastCgiExchange];
    queue.push(a);
    queue.push(b);
    queue.cancel(a);
    expect(a.owner).toBeNull();
    expect(queue.size).toBe(1);
    expect(queue.peek()).toBe(b);
    expect(queue.shift()).toBe(b);
    expect(b.owner).toBeNull();
  });

  it('keeps order across many pushes and takes while never empty (compaction)', () => {
    const queue = new RequestQueue();
    const all = Array.from({ length: 5000 }, (_, i) => fakeExchange(String(i)));
    const out: FastCgiExchange[] = [];
    queue.push(all[0] as FastCgiExchange);
    for (let i = 1; i < all.length; i++) {
      queue.push(all[i] as FastCgiExchange);
      out.push(queue.shift() as FastCgiExchange);
    }
    out.push(...queue.takeAll());
    expect(out).toEqual(all);
  });

  it('holds no reference to a request once it was taken, even while others keep waiting', async () => {
    // Under steady load the queue never empties; before this was fixed, taken requests stayed in
    // consumed slots (with everything they reference) until a compaction, surviving scavenges.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const queue = new RequestQueue();
    const refs: WeakRef<FastCgiExchange>[] = [];
    queue.push(fakeExchange('waiting'));
    (() => {
      for (let i = 0; i < 100; i++) {
        const exchange = fakeExchange(`taken ${i}`);
        refs.push(new WeakRef(exchange));
        queue.push(exchange);
        queue.shift();
      }
      // A cancelled one, skipped by peek, must not stay either.
      const cancelled = fakeExchange('cancelled');
      refs.push(new WeakRef(cancelled));
      queue.push(cancelled);
      queue.cancel(cancelled);
      queue.push(fakeExchange('waiting too'));
      queue.shift();
      queue.peek();
    })();
    expect(queue.size).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 0)); // WeakRef targets are kept until the job ends
    gc();
    expect(refs.filter((ref) => ref.deref() !== undefined).map((ref) => (ref.deref() as unknown as { label: string }).label)).toEqual([]);
  });
});
