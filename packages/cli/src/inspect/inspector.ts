import { type FastcgiInspection, FastcgiInspector, unexpectedRecordTypes } from './fastcgi.js';
import type { Direction, Protocol } from './input.js';
import { type ResponseInspection, ResponseInspector } from './response.js';
import { type ScgiRequestInspection, ScgiRequestInspector } from './scgi.js';
import { type UwsgiRequestInspection, UwsgiRequestInspector } from './uwsgi.js';

/** Any object `gw inspect` prints. */
export type Inspection = FastcgiInspection | ScgiRequestInspection | UwsgiRequestInspection | ResponseInspection;

/** What to decode. */
export interface InspectOptions {
  protocol: Protocol;
  direction: Direction;
  /** SCGI requests only: read the header block in strict mode. Default false (lenient). */
  strict?: boolean;
  /**
   * Options for the decoder this protocol and direction uses, over inspect's permissive defaults:
   * `RecordDecoderOptions` (fastcgi), `ScgiDecoderOptions` (scgi to-app; a `mode` here wins over
   * `strict`), `UwsgiDecoderOptions` (uwsgi to-app), `ResponseHeadDecoderOptions` (to-server).
   * For reproducing what a server configured with given limits would report; the CLI passes none.
   * Options of the wrong decoder are ignored by it.
   */
  decoderOptions?: Readonly<Record<string, unknown>>;
}

/** Incremental inspection of one connection's bytes in one direction. */
export interface Inspector {
  /** Feeds the next bytes. */
  push(chunk: Uint8Array): void;
  /** Marks EOF and returns the inspection (the same object on every call). */
  finish(): Inspection;
  /**
   * Remarks about the input that do not belong in the JSON, for stderr: records of the other
   * direction, bytes after a request. Valid after `finish()`.
   */
  notes(): string[];
}

/**
 * The inspector for a protocol and direction: FastCGI in either direction, SCGI/uwsgi requests
 * (`to-app`), SCGI/uwsgi responses (`to-server`).
 */
export function createInspector(options: InspectOptions): Inspector {
  const { protocol, direction } = options;
  const decoderOptions = options.decoderOptions ?? {};
  if (protocol === 'fastcgi') {
    const inspector = new FastcgiInspector(decoderOptions);
    return {
      push: (chunk) => inspector.push(chunk),
      finish: () => inspector.finish(),
      notes: () => {
        const unexpected = unexpectedRecordTypes(inspector.finish(), direction);
        if (unexpected.length === 0) return [];
        const sender = direction === 'to-app' ? 'applications' : 'web servers';
        return [`records of type ${unexpected.join(', ')} are sent by ${sender}, not expected with --direction ${direction}`];
      },
    };
  }
  if (direction === 'to-server') {
    const inspector = new ResponseInspector(protocol, decoderOptions);
    return { push: (chunk) => inspector.push(chunk), finish: () => inspector.finish(), notes: () => [] };
  }
  const inspector =
    protocol === 'scgi'
      ? new ScgiRequestInspector({ mode: options.strict === true ? 'strict' : 'lenient', ...decoderOptions })
      : new UwsgiRequestInspector(decoderOptions);
  return {
    push: (chunk) => inspector.push(chunk),
    finish: () => inspector.finish(),
    notes: () => {
      const extra = inspector.extraBytes;
      // Both protocols carry one request per connection, so the decoders drop what follows it.
      return extra === 0 ? [] : [`${extra} bytes after the request body were ignored (${protocol} carries one request per connection)`];
    },
  };
}

/** Inspects a whole input given as chunks. */
export function inspect(options: InspectOptions, chunks: Iterable<Uint8Array>): Inspection {
  const inspector = createInspector(options);
  for (const chunk of chunks) inspector.push(chunk);
  return inspector.finish();
}
