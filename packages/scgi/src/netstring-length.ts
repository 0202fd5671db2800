import type { GatewayError } from '@gw/core';
import { COLON, DIGIT_0, DIGIT_9, MAX_LENGTH_DIGITS, ScgiErrorCode } from './constants.js';
import { headersTooLarge, scgiProtocolError } from './errors.js';

/** `read` returned before the colon: feed the next chunk. */
export const LENGTH_NEEDS_MORE = -1;
/** `read` found bad input: see `error`. */
export const LENGTH_FAILED = -2;

/**
 * Reads the `<decimal length> ":"` prefix of the SCGI netstring, digit by digit and across chunks.
 *
 * The value is checked against `maxHeaderBytes` after every digit, so an oversized length is
 * refused the moment it becomes too large (`99999999999:` fails at its 5th digit with the default
 * 65536), before a single header byte is held.
 */
export class NetstringLengthReader {
  readonly #strict: boolean;
  readonly #maxLength: number;
  #value = 0;
  #digits = 0;
  /** Absolute offset of the first digit, for the leading-zero error. */
  #start = 0;
  /** Set when `read` returns LENGTH_FAILED. */
  error: GatewayError | null = null;

  constructor(strict: boolean, maxLength: number) {
    this.#strict = strict;
    this.#maxLength = maxLength;
  }

  /** The length read so far (the final value once `read` has returned a position). */
  get value(): number {
    return this.#value;
  }

  /**
   * Consumes length bytes from `chunk[pos..]`; `base` is the absolute offset of `chunk[0]`.
   * Returns the index just past the colon, LENGTH_NEEDS_MORE, or LENGTH_FAILED.
   */
  read(chunk: Buffer, pos: number, base: number): number {
    for (let i = pos; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (b >= DIGIT_0 && b <= DIGIT_9) {
        if (this.#digits === 0) this.#start = base + i;
        // Netstrings (cr.yp.to/proto/netstrings.txt): no leading zeros, so each string has one
        // encoding; only `0:` itself starts with 0. The reference Python server parses with int()
        // and accepts them, hence lenient mode does too. The error points at the zero.
        else if (this.#strict && this.#value === 0) {
          return this.#fail(ScgiErrorCode.BAD_LENGTH, this.#start, 'netstring length has a leading zero');
        }
        if (this.#digits === MAX_LENGTH_DIGITS) {
          return this.#fail(ScgiErrorCode.BAD_LENGTH, base + i, `netstring length has more than ${MAX_LENGTH_DIGITS} digits`);
        }
        this.#digits++;
        this.#value = this.#value * 10 + (b - DIGIT_0);
        // Checked per digit (never after the colon) so that the cap holds before buffering; the
        // value stays ≤ 10 × 16 MiB + 9, far inside exact double range.
        if (this.#value > this.#maxLength) {
          this.error = headersTooLarge(base + i, this.#maxLength);
          return LENGTH_FAILED;
        }
      } else if (b === COLON) {
        // protocol.txt / netstrings: the length is one or more ASCII digits.
        if (this.#digits === 0) return this.#fail(ScgiErrorCode.BAD_LENGTH, base + i, 'netstring length is empty');
        return i + 1;
      } else if (this.#digits === 0) {
        // ` 70:`, `+70:`, `-1:`: only digits may start the length (unlike Python's int()).
        return this.#fail(ScgiErrorCode.BAD_LENGTH, base + i, 'netstring length must start with a decimal digit');
      } else {
        // `7a:`, `70,`: after the digits only the colon may come.
        return this.#fail(ScgiErrorCode.EXPECTED_COLON, base + i, 'expected ":" after the netstring length');
      }
    }
    return LENGTH_NEEDS_MORE;
  }

  #fail(code: ScgiErrorCode, offset: number, message: string): number {
    this.error = scgiProtocolError(code, offset, message);
    return LENGTH_FAILED;
  }
}
