import { asBuffer, type BodySource, bodyChunks } from './body-source.js';

/**
 * A streamed request body that can be sent a second time while the app has not answered yet.
 *
 * php-fpm closes a kept-alive connection right after the END_REQUEST that completes a worker's
 * `pm.max_requests`, reading and discarding whatever arrives meanwhile (`fcgi_close` drains
 * before closing). A request written in that moment was never run, but its body stream has been
 * partly consumed. So the chunks taken from the source are kept until the app sends its first byte
 * for the request (then a resend is no longer possible anyway) or until they exceed `limit` bytes.
 *
 * The source is read by one attempt at a time through `reader()`; a reader that is abandoned
 * mid-read (its connection died) does not lose the chunk it was waiting for: the chunk is kept, and
 * the next reader gets it. The source is never closed from here: stopping early only stops
 * reading (destroying a proxied IncomingMessage would cut the client's connection).
 */
export class ReplayBuffer {
  readonly #source: AsyncIterator<Buffer>;
  readonly #limit: number;
  #kept: Buffer[] = [];
  #keptBytes = 0;
  #retaining = true;
  #ended = false;
  #pending: Promise<IteratorResult<Buffer>> | null = null;

  constructor(source: BodySource, limit: number) {
    this.#source = bodyChunks(source);
    this.#limit = limit;
  }

  /** True while every byte taken from the source so far is still kept. */
  get replayable(): boolean {
    return this.#retaining;
  }

  /** The app answered (or the request ended): stop keeping chunks. */
  release(): void {
    this.#retaining = false;
    this.#kept = [];
    this.#keptBytes = 0;
  }

  /** The body from its first byte: the kept chunks, then the rest of the source. */
  async *reader(): AsyncGenerator<Buffer> {
    let index = 0;
    for (;;) {
      if (this.#retaining && index < this.#kept.length) {
        yield this.#kept[index++] as Buffer;
        continue;
      }
      if (this.#ended && this.#pending === null) return;
      const result = await this.#pull();
      if (result.done === true) return;
      // #pull kept the chunk when retaining: step over it so it is not yielded twice.
      if (this.#retaining) index = this.#kept.length;
      yield result.value;
    }
  }

  #pull(): Promise<IteratorResult<Buffer>> {
    this.#pending ??= this.#source.next().then(
      (result) => {
        this.#pending = null;
        if (result.done === true) {
          this.#ended = true;
          return result;
        }
        const chunk = asBuffer(result.value);
        if (this.#retaining) {
          this.#keptBytes += chunk.length;
          if (this.#keptBytes > this.#limit) this.release();
          else this.#kept.push(chunk);
        }
        return { done: false, value: chunk };
      },
      (err: unknown) => {
        this.#pending = null;
        this.#ended = true;
        throw err;
      },
    );
    return this.#pending;
  }
}
