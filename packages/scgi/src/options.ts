import { InvalidArgumentError, type LimitSpecs, resolveLimits } from '@gw/core';

/**
 * How strictly the decoder reads the header block.
 * - `'strict'`: protocol.txt as written (no leading zeros, exactly one `SCGI=1`, no repeated names).
 * - `'lenient'`: what real web servers send (protocols.md §2, §5.3): leading zeros, a missing or
 *   repeated `SCGI=1`, repeated names (nascheme mod_scgi) are accepted. CONTENT_LENGTH first, digits
 *   only, the comma and the size cap are required in both modes.
 */
export type ScgiMode = 'lenient' | 'strict';

/** Options of {@link ScgiRequestDecoder}. */
export interface ScgiDecoderOptions {
  /** Parsing mode. Default `'lenient'`. */
  mode?: ScgiMode | undefined;
  /**
   * Largest accepted netstring length (the header block, without digits, colon and comma), checked
   * digit by digit before any header byte is buffered. Default 65536; 1 to 16 MiB.
   */
  maxHeaderBytes?: number | undefined;
}

/** Default, minimum and maximum of each decoder limit. */
export const SCGI_DECODER_LIMITS: LimitSpecs<'maxHeaderBytes'> = {
  // 64 KiB holds any real request (nginx's default header buffers are far smaller) while bounding
  // what one connection can make us hold; uWSGI's own SCGI reader stops at 4096.
  maxHeaderBytes: { default: 65536, min: 1, max: 16 * 1024 * 1024 },
};

/** Decoder options with defaults applied. */
export interface ResolvedScgiDecoderOptions {
  readonly strict: boolean;
  readonly maxHeaderBytes: number;
}

/**
 * Applies defaults and validates decoder options.
 *
 * @throws InvalidArgumentError `GW_ERR_INVALID_OPTION` for an unknown mode or an out-of-range limit.
 */
export function resolveDecoderOptions(options: ScgiDecoderOptions | undefined): ResolvedScgiDecoderOptions {
  // Decoders are made per connection: the defaults are resolved once.
  if (options === undefined) return (DEFAULTS ??= resolveFresh(undefined));
  return resolveFresh(options);
}

let DEFAULTS: ResolvedScgiDecoderOptions | undefined;

function resolveFresh(options: ScgiDecoderOptions | undefined): ResolvedScgiDecoderOptions {
  const { maxHeaderBytes } = resolveLimits(SCGI_DECODER_LIMITS, options, 'ScgiRequestDecoder');
  const mode = options?.mode ?? 'lenient';
  if (mode !== 'lenient' && mode !== 'strict') {
    throw new InvalidArgumentError(
      'GW_ERR_INVALID_OPTION',
      `ScgiRequestDecoder: option mode must be 'lenient' or 'strict', got ${String(mode)}`,
    );
  }
  return { strict: mode === 'strict', maxHeaderBytes };
}
