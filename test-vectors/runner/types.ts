/** The JSON shapes of test-vectors/ files (README.md documents them for other languages). */

/** The gateway protocol a file's bytes are in. */
export type Protocol = 'fastcgi' | 'scgi' | 'uwsgi';
/** Who wrote the bytes: the web server (`to-app`) or the application (`to-server`). */
export type Direction = 'to-app' | 'to-server';

/**
 * One row of a case's `bytes`: `[hex, comment]` (spaces in the hex are ignored), or an object
 * `{ text, comment }` (latin1 text, JSON escapes such as `\u0000` allowed) or
 * `{ hex, repeat, comment }` (the hex pattern `repeat` times).
 */
export type ByteRow = [hex: string, comment: string] | { text: string; comment?: string } | { hex: string; repeat?: number; comment?: string };

/** What a decoder reported: the code and absolute byte offset. */
export interface ExpectedError {
  code: string;
  offset: number;
}

/** One case of a vector file (README.md "File format"). */
export interface VectorCase {
  name: string;
  /** Where the case comes from: a spec section, a protocols.md §6 row, or capture provenance. */
  source: string | Record<string, unknown>;
  /** Inline bytes; exactly one of `bytes` and `bytesFile` is set. */
  bytes?: ByteRow[];
  /** Raw bytes in a file, relative to test-vectors/. */
  bytesFile?: string;
  /** Decoder options (limits, `mode`, `lenientVersion`); the decoder's defaults otherwise. */
  options?: Record<string, unknown>;
  /** The decoded model (the `gw inspect` JSON without `protocol` and `error`), or null = not compared. */
  expect: Record<string, unknown> | null;
  error: ExpectedError | null;
  /** Skip the split-in-two scan (huge inputs). Default false. */
  noScan?: boolean;
}

/** A whole vector file: one protocol and direction, several cases. */
export interface VectorFile {
  protocol: Protocol;
  direction: Direction;
  /** Optional prose for readers of the file. */
  description?: string;
  cases: VectorCase[];
}

/** A case ready to run: its file's context and its bytes. */
export interface LoadedCase extends VectorCase {
  protocol: Protocol;
  direction: Direction;
  /** Path of the JSON file relative to test-vectors/. */
  file: string;
  input: Buffer;
}
