import type { ExchangeOwner, FastCgiExchange } from './exchange.js';

/**
 * Requests waiting for a connection, first in first out. The queue owns its requests
 * (`exchange.owner === queue`); a request cancelled while waiting (signal, timeout) just stops
 * being owned and is skipped when it reaches the front, so cancelling costs O(1).
 */
export class RequestQueue implements ExchangeOwner {
  /** Slots before #head are consumed and cleared (a taken request must not stay reachable from here). */
  #items: (FastCgiExchange | undefined)[] = [];
  #head = 0;
  #size = 0;

  /** Requests waiting (cancelled ones not counted). */
  get size(): number {
    return this.#size;
  }

  /** Adds a request at the back, or at the front (a request handed back before anything was written). */
  push(exchange: FastCgiExchange, front = false): void {
    exchange.owner = this;
    this.#size++;
    if (!front) this.#items.push(exchange);
    else if (this.#head > 0) this.#items[--this.#head] = exchange;
    else this.#items.unshift(exchange);
  }

  /** The next waiting request, without taking it. */
  peek(): FastCgiExchange | undefined {
    const items = this.#items;
    while (this.#head < items.length) {
      const exchange = items[this.#head] as FastCgiExchange;
      if (exchange.owner === this) return exchange;
      items[this.#head++] = undefined;
    }
    this.#compact();
    return undefined;
  }

  /** Takes the next waiting request. */
  shift(): FastCgiExchange | undefined {
    const exchange = this.peek();
    if (exchange === undefined) return undefined;
    // Cleared, not just passed: under steady load the queue never empties, and a consumed slot
    // would keep a finished request (and its client request and response) alive until the next
    // compaction, through one or two scavenges.
    this.#items[this.#head++] = undefined;
    this.#size--;
    exchange.owner = null;
    this.#compact();
    return exchange;
  }

  /** Takes every waiting request. */
  takeAll(): FastCgiExchange[] {
    const out: FastCgiExchange[] = [];
    for (let exchange = this.shift(); exchange !== undefined; exchange = this.shift()) out.push(exchange);
    return out;
  }

  /** True when `exchange` is waiting here. */
  holds(exchange: FastCgiExchange): boolean {
    return exchange.owner === this;
  }

  cancel(exchange: FastCgiExchange): void {
    if (exchange.owner !== this) return;
    exchange.owner = null;
    this.#size--;
  }

  pause(): void {}

  resume(): void {}

  /** Drops consumed slots now and then rather than shifting the array on every take. */
  #compact(): void {
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}
