import { type LimitSpecs, type Limits, resolveLimits } from '@gw/core';
import { DEFAULT_MAX_VARS, DEFAULT_MAX_VARS_BYTES, MAX_VARS_BLOCK_SIZE } from './constants.js';

/** Options of {@link UwsgiRequestDecoder}. */
export interface UwsgiDecoderOptions {
  /**
   * Largest vars block (datasize) accepted, checked as soon as the 4-byte header is read, before
   * any vars byte is buffered. 0..65535.
   * @default 4096 (uWSGI's default `buffer-size`)
   */
  maxVarsBytes?: number;
  /**
   * Largest number of key/value pairs in the vars block. 0..Infinity.
   * @default 1000
   */
  maxVars?: number;
}

type LimitName = 'maxVarsBytes' | 'maxVars';

/** How the decoder's limit options are validated and defaulted. */
export const UWSGI_DECODER_LIMITS: LimitSpecs<LimitName> = {
  maxVarsBytes: { default: DEFAULT_MAX_VARS_BYTES, min: 0, max: MAX_VARS_BLOCK_SIZE },
  maxVars: { default: DEFAULT_MAX_VARS, min: 0, max: Number.POSITIVE_INFINITY },
};

/**
 * Resolves decoder options against {@link UWSGI_DECODER_LIMITS}.
 * @throws InvalidArgumentError `GW_ERR_INVALID_OPTION` for a value out of range.
 */
export function resolveDecoderLimits(options: UwsgiDecoderOptions | undefined): Limits<LimitName> {
  return resolveLimits(UWSGI_DECODER_LIMITS, options, 'UwsgiRequestDecoder');
}
