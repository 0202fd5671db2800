import { setTimeout as sleep } from 'node:timers/promises';

/** Something the application under test saw. */
export interface AppEvent {
  /** start: the request reached the app; end: its response was fully written; abort: the server told it the request is gone. */
  kind: 'start' | 'end' | 'abort';
  /** REQUEST_URI (or what the app knows as its URL). */
  url: string;
  role: string;
  /** Request body bytes received so far. */
  bodyBytes: number;
  /** Response body bytes written so far. */
  sentBytes: number;
  /** The request's CGI variables (last value wins). */
  vars: Readonly<Record<string, string>>;
}

/**
 * The application's side of the story, for assertions: which requests it started, finished and
 * saw aborted, and how many were in progress at once. Apps record; tests read and wait.
 */
export class AppObserver {
  readonly events: AppEvent[] = [];
  /** Requests started and neither ended nor aborted. */
  inFlight = 0;
  /** Highest `inFlight` seen. */
  maxInFlight = 0;
  /** Request body bytes received, over all requests (grows while an upload streams in). */
  bodyBytes = 0;
  #waiters = new Set<() => void>();

  record(event: AppEvent): void {
    this.events.push(event);
    if (event.kind === 'start') {
      this.inFlight++;
      if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
    } else {
      this.inFlight--;
    }
    this.#wake();
  }

  /** Counts body bytes as they arrive (so a test can act mid-upload). */
  recordBody(bytes: number): void {
    this.bodyBytes += bytes;
    this.#wake();
  }

  /** Events of one kind, optionally only those whose URL contains `urlPart`. */
  count(kind: AppEvent['kind'], urlPart = ''): number {
    return this.events.filter((e) => e.kind === kind && e.url.includes(urlPart)).length;
  }

  /** Resolves once `predicate` holds; rejects after `timeoutMs` (default 10000). */
  async until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`app observer: condition not met after ${timeoutMs} ms (events: ${JSON.stringify(this.events.slice(-5))})`);
      await new Promise<void>((resolve) => {
        this.#waiters.add(resolve);
        sleep(50).then(() => {
          this.#waiters.delete(resolve);
          resolve();
        });
      });
    }
  }

  #wake(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const w of waiters) w();
  }
}
