/** Runs the decoder over chunks and records what the handler saw, in a comparable form. */
import type { GatewayError, ParamList } from '@gw/core';
import { type UwsgiDecoderOptions, UwsgiRequestDecoder } from '../../src/index.js';

export interface DecodeOutcome {
  /** Handler calls in order; consecutive body pieces merged into one `body`. */
  events: string[];
  request: { modifier1: number; modifier2: number; vars: [string, string][]; contentLength: number } | null;
  /** All body pieces joined, as hex. */
  body: string;
  error: { code: string; offset: number | undefined } | null;
  extraBytes: number;
  failed: boolean;
}

export interface DecodeRun {
  outcome: DecodeOutcome;
  decoder: UwsgiRequestDecoder;
  vars: ParamList | null;
  bodyPieces: Buffer[];
  errors: GatewayError[];
  /** Largest `bufferedBytes` seen after any push. */
  maxBuffered: number;
}

/** Pushes every chunk, then calls end() unless told not to. */
export function decodeChunks(chunks: Iterable<Buffer>, options?: UwsgiDecoderOptions, callEnd = true): DecodeRun {
  const events: string[] = [];
  const bodyPieces: Buffer[] = [];
  const errors: GatewayError[] = [];
  let request: DecodeOutcome['request'] = null;
  let vars: ParamList | null = null;
  const note = (event: string) => {
    if (errors.length > 0) events.push(`${event}-after-error`);
    else if (event !== 'body' || events[events.length - 1] !== 'body') events.push(event);
  };
  const decoder = new UwsgiRequestDecoder(
    {
      onRequest(modifier1, modifier2, list, contentLength) {
        note('request');
        vars = list;
        request = { modifier1, modifier2, vars: list.toArray(), contentLength };
      },
      onBody(piece) {
        note(piece.length === 0 ? 'empty-body-piece' : 'body');
        bodyPieces.push(piece);
      },
      onBodyEnd() {
        note('bodyEnd');
      },
      onError(err) {
        note('error');
        errors.push(err);
      },
    },
    options,
  );
  let maxBuffered = 0;
  for (const chunk of chunks) {
    decoder.push(chunk);
    maxBuffered = Math.max(maxBuffered, decoder.bufferedBytes);
  }
  if (callEnd) decoder.end();
  const first = errors[0];
  return {
    outcome: {
      events,
      request,
      body: Buffer.concat(bodyPieces).toString('hex'),
      error: first === undefined ? null : { code: first.code, offset: first.offset },
      extraBytes: decoder.extraBytes,
      failed: decoder.failed,
    },
    decoder,
    vars,
    bodyPieces,
    errors,
    maxBuffered,
  };
}

/** The outcome of one push of the whole input. */
export function decodeWhole(input: Buffer, options?: UwsgiDecoderOptions, callEnd = true): DecodeOutcome {
  return decodeChunks([input], options, callEnd).outcome;
}
