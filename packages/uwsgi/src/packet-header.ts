import { InvalidArgumentError } from '@gw/core';
import { HEADER_LENGTH, MAX_VARS_BLOCK_SIZE } from './constants.js';
import { UwsgiErrorCode } from './error-codes.js';

/**
 * Writes the 4-byte packet header at `at`: modifier1, datasize as u16 **little-endian**
 * (protocols.md §3.1; §6 #74 is the classic big-endian mistake), modifier2. No validation: callers
 * have checked the ranges.
 */
export function writeHeaderInto(out: Uint8Array, at: number, modifier1: number, datasize: number, modifier2: number): void {
  out[at] = modifier1;
  out[at + 1] = datasize & 0xff;
  out[at + 2] = datasize >>> 8;
  out[at + 3] = modifier2;
}

/**
 * Checks that a modifier is a u8.
 * @throws InvalidArgumentError `GW_ERR_INVALID_OPTION`.
 */
export function checkModifier(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xff) {
    throw new InvalidArgumentError('GW_ERR_INVALID_OPTION', `uwsgi ${name} must be an integer from 0 to 255, got ${String(value)}`);
  }
  return value;
}

/**
 * Encodes a uwsgi packet header.
 *
 * @param modifier1 packet type, 0..255 (0 = WSGI request; see `Modifier1`)
 * @param datasize size of the vars block that follows, 0..65535
 * @param modifier2 sub-type, 0..255 (0 for normal requests)
 * @returns a new 4-byte Buffer
 * @throws InvalidArgumentError `GW_ERR_INVALID_OPTION` for a modifier outside 0..255 or a datasize
 *   that is not a non-negative integer; `UWSGI_ERR_VARS_TOO_LARGE` for a datasize above 65535.
 */
export function encodeUwsgiHeader(modifier1: number, datasize: number, modifier2: number): Buffer {
  checkModifier(modifier1, 'modifier1');
  checkModifier(modifier2, 'modifier2');
  if (!Number.isInteger(datasize) || datasize < 0) {
    throw new InvalidArgumentError('GW_ERR_INVALID_OPTION', `uwsgi datasize must be a non-negative integer, got ${String(datasize)}`);
  }
  // datasize is a u16 (protocols.md §3.1): nginx answers 500 "uwsgi request is too big" above it.
  if (datasize > MAX_VARS_BLOCK_SIZE) {
    throw new InvalidArgumentError(UwsgiErrorCode.VARS_TOO_LARGE, `uwsgi datasize ${datasize} exceeds 65535`);
  }
  const out = Buffer.allocUnsafe(HEADER_LENGTH);
  writeHeaderInto(out, 0, modifier1, datasize, modifier2);
  return out;
}
