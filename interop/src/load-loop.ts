import { httpRequest } from './http-client.js';

/** One request of a load loop and how it ended. */
export interface LoopRequest {
  /** Unique per loop: `<client>-<n>`; also sent as `?id=`. */
  id: string;
  /** ms since the loop started. */
  startedAt: number;
  endedAt: number;
  /** HTTP status, or 0 when the request failed without one. */
  status: number;
  /** The response body, trimmed (the pid for pid-app), or the error message. */
  answer: string;
  failed: boolean;
}

/** Options of `runLoadLoop`. */
export interface LoadLoopOptions {
  /** The front end's port on 127.0.0.1. */
  port: number;
  /** Clients sending one request after the other, each on a new connection. Default 8. */
  concurrency?: number;
  /** How long the clients keep starting requests, ms. Default 4000. */
  durationMs?: number;
  /** Upper bound on requests, whatever the duration. Default 20000. */
  maxRequests?: number;
  /** Path + query of request `id` (it should carry the id). */
  path(id: string): string;
  /** Called once, `atMs` into the loop, while the clients keep going (e.g. to kill a backend). */
  event?: { atMs: number; run(): void };
  /** Per-request timeout, ms. Default 10000. */
  timeoutMs?: number;
}

/**
 * Drives a front end with `concurrency` keep-alive-less clients in a loop for `durationMs` and
 * returns every request in the order it ended. A failure (no response, or an error status) does
 * not stop the loop: the caller decides how many are acceptable.
 */
export async function runLoadLoop(options: LoadLoopOptions): Promise<LoopRequest[]> {
  const concurrency = options.concurrency ?? 8;
  const duration = options.durationMs ?? 4000;
  const maxRequests = options.maxRequests ?? 20_000;
  const t0 = performance.now();
  const now = () => performance.now() - t0;
  const done: LoopRequest[] = [];
  let started = 0;
  const timer = options.event ? setTimeout(options.event.run, options.event.atMs) : undefined;

  const client = async (c: number) => {
    for (let n = 0; now() < duration && started < maxRequests; n++) {
      started++;
      const id = `${c}-${n}`;
      const startedAt = now();
      try {
        const res = await httpRequest({ port: options.port, path: options.path(id), timeoutMs: options.timeoutMs ?? 10_000 });
        const answer = res.body.toString('latin1').trim();
        done.push({ id, startedAt, endedAt: now(), status: res.status, answer, failed: res.status !== 200 });
      } catch (err) {
        done.push({ id, startedAt, endedAt: now(), status: 0, answer: (err as Error).message, failed: true });
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, (_, c) => client(c)));
  } finally {
    clearTimeout(timer);
  }
  return done;
}
