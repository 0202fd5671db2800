import type { ReadableStreamDefaultController, UnderlyingSource } from 'node:stream/web';
import type { ResponseSink } from './sink.js';

/** Counts queued body bytes, so the stream's high-water mark is in bytes (like a Readable's). */
const byteSize = (chunk: Uint8Array): number => chunk.byteLength;

/**
 * The request body of a Fetch `Request`: a ReadableStream fed by the gateway server.
 *
 * A default (not `type: 'bytes'`) stream on purpose: enqueuing into a byte stream transfers the
 * chunk's ArrayBuffer, which would detach the server's input buffer that our zero-copy views
 * share with other requests and with the decoder.
 */
export class FetchRequestBody implements UnderlyingSource<Uint8Array> {
  /** The stream to give `new Request(…, { body })`. */
  readonly stream: ReadableStream<Uint8Array>;
  #controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  readonly #sink: ResponseSink;
  #resumeWanted = false;
  /** Ended, errored, or cancelled by the consumer: later pushes are dropped. */
  #closed = false;

  constructor(sink: ResponseSink, highWaterMark: number) {
    this.#sink = sink;
    this.stream = new ReadableStream<Uint8Array>(this, { highWaterMark, size: byteSize });
  }

  /** UnderlyingSource: keeps the controller (called synchronously by the constructor). */
  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.#controller = controller;
  }

  /** UnderlyingSource: the consumer wants more; the server resumes if it had paused. */
  pull(): void {
    if (this.#resumeWanted) {
      this.#resumeWanted = false;
      this.#sink.resumeBody();
    }
  }

  /** UnderlyingSource: the consumer gave up on the body; drop the rest. */
  cancel(): void {
    this.#closed = true;
    if (this.#resumeWanted) {
      this.#resumeWanted = false;
      this.#sink.resumeBody();
    }
  }

  /** Queues body bytes. @returns false when the queue is over its high-water mark. */
  push(chunk: Buffer): boolean {
    const controller = this.#controller;
    if (this.#closed || controller === null) return true;
    controller.enqueue(chunk);
    if ((controller.desiredSize ?? 0) > 0) return true;
    this.#resumeWanted = true;
    return false;
  }

  /** The body is complete. */
  end(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#controller?.close();
  }

  /**
   * The response is complete: whatever of the body nobody read is dropped from now on (as node:http
   * dumps an unread request body after 'finish'), so the server never stalls on a full queue.
   */
  discard(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#controller?.error(new Error('the response was sent before the request body was read'));
    if (this.#resumeWanted) {
      this.#resumeWanted = false;
      this.#sink.resumeBody();
    }
  }

  /** The request was aborted: readers of the body get `error`. */
  fail(error: Error): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#controller?.error(error);
  }
}
