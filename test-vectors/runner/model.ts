import { createInspector, type Inspection } from '@gw/cli';
import type { Direction, Protocol } from './types.js';

/**
 * Turns decoder output into the vector model. The model is the JSON `gw inspect` prints, so the
 * builders are the CLI's own inspectors (`@gw/cli` `createInspector`): one implementation serves
 * both, and a vector failure is also a `gw inspect` bug.
 */

/** What a decoder reported, reduced to what vectors compare (the message is for people). */
export interface ReportedError {
  code: string;
  offset: number | null;
}

export interface DecodeOutcome {
  /** The inspection without its `protocol` and `error` members (those live elsewhere in a vector). */
  model: Record<string, unknown>;
  error: ReportedError | null;
}

/**
 * Pushes `chunks` in order, then EOF, through the `gw inspect` inspector for the protocol and
 * direction. `options` are the case's decoder options (limits, `mode`, `lenientVersion`); they
 * override inspect's permissive defaults, so every limit a case depends on must be stated in it.
 */
export function decodeModel(protocol: Protocol, direction: Direction, options: Record<string, unknown> | undefined, chunks: readonly Buffer[]): DecodeOutcome {
  const inspector = createInspector({ protocol, direction, decoderOptions: options ?? {} });
  for (const chunk of chunks) inspector.push(chunk);
  const { protocol: _protocol, error, ...model } = inspector.finish() as Inspection;
  return { model, error: error === null ? null : { code: error.code, offset: error.offset } };
}
