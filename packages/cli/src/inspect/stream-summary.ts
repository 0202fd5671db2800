import { createHash, type Hash } from 'node:crypto';

/**
 * What `gw inspect` prints for a byte stream (a FastCGI STDIN/STDOUT/…, an SCGI/uwsgi body, a
 * response body): its size and SHA-256 instead of the bytes, so outputs stay small and two captures
 * can be compared by hash.
 */
export interface StreamSummary {
  /** Number of payload bytes seen. */
  bytes: number;
  /** Lower-case hex SHA-256 of those bytes (of nothing, when `bytes` is 0). */
  sha256: string;
  /**
   * True when the stream's end was seen: the empty FastCGI record, the last byte of an SCGI/uwsgi
   * body of CONTENT_LENGTH bytes, or EOF for a response body.
   */
  terminated: boolean;
}

/**
 * Accumulates a {@link StreamSummary} piece by piece. The hash is fed each view as it arrives, so
 * the pieces are never concatenated and a decoder's zero-copy views are not kept alive.
 */
export class StreamSummarizer {
  #bytes = 0;
  #hash: Hash = createHash('sha256');
  #terminated = false;

  /** Adds one piece of the stream. */
  update(chunk: Uint8Array): void {
    this.#bytes += chunk.length;
    this.#hash.update(chunk);
  }

  /** Records that the stream's end marker was seen. */
  terminate(): void {
    this.#terminated = true;
  }

  /** The summary so far. Reading it does not finish the hash, so more pieces may follow. */
  summary(): StreamSummary {
    return { bytes: this.#bytes, sha256: this.#hash.copy().digest('hex'), terminated: this.#terminated };
  }
}

/** Summarises a whole stream given as pieces. */
export function summarizeStream(chunks: Iterable<Uint8Array>, terminated: boolean): StreamSummary {
  const s = new StreamSummarizer();
  for (const c of chunks) s.update(c);
  if (terminated) s.terminate();
  return s.summary();
}
