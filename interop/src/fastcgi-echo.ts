import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Role } from '@gw/fastcgi';
import { AppObserver } from './app-observer.js';
import type { AppUnderTest } from './app-under-test.js';
import { patternBytes } from './body-pattern.js';
import { cgiHead, type EchoRequest, type EchoRole, echoOptions, echoResponse } from './echo-app.js';
import type { FastCgiRequest, RequestExchange } from './fastcgi-server.js';

// Pattern bodies go out in slices of this size, each a separate write that may see backpressure.
const SLICE = 64 * 1024;

const ROLE_NAMES: Record<number, EchoRole> = { [Role.RESPONDER]: 'responder', [Role.AUTHORIZER]: 'authorizer', [Role.FILTER]: 'filter' };

/** The echo app (echo-app.ts) on the FastCGI server's low-level hook. */
export function createFastCgiEchoApp(observer: AppObserver = new AppObserver()): AppUnderTest {
  return {
    name: 'echo (FastCGI low-level hook)',
    observer,
    handleRequest: (request) => new EchoExchange(request, observer),
  };
}

/**
 * One request: hashes the body as it streams in, answers once it has ended (right away for an
 * Authorizer, which gets no body), streams large answers with backpressure, and stops at abort.
 */
class EchoExchange implements RequestExchange {
  readonly #request: FastCgiRequest;
  readonly #observer: AppObserver;
  readonly #echo: EchoRequest;
  readonly #url: string;
  readonly #vars: Record<string, string>;
  readonly #hash = createHash('sha256');
  #bodyBytes = 0;
  #sentBytes = 0;
  #finished = false;
  #responding = false;
  #onDrain: (() => void) | null = null;

  constructor(request: FastCgiRequest, observer: AppObserver) {
    this.#request = request;
    this.#observer = observer;
    const vars = request.params?.toArray() ?? [];
    this.#echo = {
      role: ROLE_NAMES[request.role] ?? 'responder',
      vars,
      transport: { protocol: 'fastcgi', requestId: request.requestId, keepConn: request.keepConn },
    };
    this.#url = request.params?.get('REQUEST_URI') ?? '';
    this.#vars = Object.fromEntries(vars);
    this.#event('start');
    // ?early=1: answer before the body has arrived (the rest of it is then the server's to discard).
    if (echoOptions(this.#echo).early) setImmediate(() => this.endBody());
  }

  pushBody(chunk: Buffer): boolean {
    // After an early answer the digest is taken; later bytes are only counted.
    if (!this.#responding) this.#hash.update(chunk);
    this.#bodyBytes += chunk.length;
    this.#observer.recordBody(chunk.length);
    return true;
  }

  endBody(): void {
    if (this.#responding) return;
    this.#responding = true;
    this.#respond().catch((err: unknown) => {
      // A bug in the test app, not in the server: make it visible in the response.
      this.#request.stderr.write(`echo-app failed: ${String(err)}\n`);
      this.#request.abort(err as Error);
    });
  }

  drain(): void {
    const resume = this.#onDrain;
    this.#onDrain = null;
    resume?.();
  }

  abort(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#event('abort');
    this.drain(); // release a response loop waiting for drain
  }

  async #respond(): Promise<void> {
    const plan = echoResponse(this.#echo, { length: this.#bodyBytes, sha256: this.#hash.digest('hex') });
    if (plan.delayMs > 0) await sleep(plan.delayMs);
    if (this.#finished) return;
    if (plan.stderr !== null) this.#request.stderr.write(plan.stderr);
    const head = cgiHead(plan.status, plan.headers);
    if (Buffer.isBuffer(plan.body)) {
      this.#sentBytes = plan.body.length;
      this.#end([head, plan.body]);
      return;
    }
    const size = plan.body.patternSize;
    if (size === 0) return this.#end([head]);
    for (let at = 0; at < size; at += SLICE) {
      const slice = patternBytes(at, Math.min(SLICE, size - at));
      const chunks = at === 0 ? [head, slice] : [slice];
      this.#sentBytes = at + slice.length;
      if (this.#sentBytes === size) return this.#end(chunks);
      if (!this.#request.write(chunks, false)) await new Promise<void>((resolve) => (this.#onDrain = resolve));
      if (this.#finished) return; // aborted while waiting
    }
  }

  #end(chunks: Buffer[]): void {
    this.#finished = true;
    this.#request.write(chunks, true);
    this.#event('end');
  }

  #event(kind: 'start' | 'end' | 'abort'): void {
    this.#observer.record({ kind, url: this.#url, role: this.#echo.role, bodyBytes: this.#bodyBytes, sentBytes: this.#sentBytes, vars: this.#vars });
  }
}
