import { MAX_REQUEST_ID } from '../constants.js';

/**
 * Hands out FastCGI request ids for one connection, always the lowest free one. Spec §3.3 asks
 * web servers to keep ids small so an app can index an array by them; HAProxy's ever-growing ids
 * (haproxy#3358) are what this avoids.
 *
 * Ids below `#next` that were released sit in a binary min-heap; every id ≥ `#next` is free. So
 * the heap's top, when there is one, is the lowest free id; otherwise `#next` is.
 */
export class RequestIdAllocator {
  readonly #heap: number[] = [];
  #next = 1;
  #inUse = 0;

  /** Ids currently handed out. */
  get inUse(): number {
    return this.#inUse;
  }

  /** The lowest free id, or 0 when all 65535 are in use. */
  allocate(): number {
    let id: number;
    if (this.#heap.length > 0) id = this.#popMin();
    else if (this.#next <= MAX_REQUEST_ID) id = this.#next++;
    else return 0;
    this.#inUse++;
    return id;
  }

  /** Returns an id to the pool. The caller releases each allocated id exactly once. */
  release(id: number): void {
    this.#inUse--;
    if (id === this.#next - 1) {
      // Shrink the high-water mark instead of growing the heap when the top id comes back.
      // Heap ids stay below the new `#next`, so the invariant holds.
      this.#next--;
      return;
    }
    this.#push(id);
  }

  #push(id: number): void {
    const heap = this.#heap;
    let i = heap.push(id) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((heap[parent] as number) <= id) break;
      heap[i] = heap[parent] as number;
      i = parent;
    }
    heap[i] = id;
  }

  #popMin(): number {
    const heap = this.#heap;
    const min = heap[0] as number;
    const last = heap.pop() as number;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= heap.length) break;
        const right = left + 1;
        const child = right < heap.length && (heap[right] as number) < (heap[left] as number) ? right : left;
        if ((heap[child] as number) >= last) break;
        heap[i] = heap[child] as number;
        i = child;
      }
      heap[i] = last;
    }
    return min;
  }
}
