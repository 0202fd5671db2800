import { createReadStream } from 'node:fs';
import { type FlagSpec, oneOf, parseFlags, UsageError } from '../args.js';
import type { CliIo } from '../io.js';
import { formatJson } from '../json.js';
import { DIRECTIONS, type Direction, PROTOCOLS, type Protocol } from './input.js';
import { createInspector, type InspectOptions } from './inspector.js';

/** Chunk size for reading the input file: large enough to decode at disk speed, small enough to stream. */
const READ_CHUNK_BYTES = 64 * 1024;

const FLAGS: FlagSpec = {
  protocol: { type: 'string', short: 'p' },
  direction: { type: 'string', short: 'd' },
  strict: { type: 'boolean' },
  demo: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

/** A parsed `gw inspect` command line. */
export type InspectCommand = { help: true } | { help: false; options: InspectOptions; file: string };

/**
 * Turns `gw inspect` arguments into options and an input path (`-` = stdin).
 * @throws UsageError for a missing, unknown or conflicting flag.
 */
export function parseInspectArgs(argv: readonly string[], demoCapture: string | undefined): InspectCommand {
  const { values, positionals } = parseFlags(argv, FLAGS);
  if (values.help === true) return { help: true };
  if (values.demo === true) {
    if (values.protocol !== undefined || values.direction !== undefined || values.strict === true || positionals.length > 0) {
      throw new UsageError('--demo takes no --protocol, --direction, --strict or FILE');
    }
    if (demoCapture === undefined) throw new UsageError('this build of gw has no bundled capture for --demo');
    return { help: false, options: { protocol: 'fastcgi', direction: 'to-app' }, file: demoCapture };
  }
  if (typeof values.protocol !== 'string') throw new UsageError('missing --protocol');
  if (typeof values.direction !== 'string') throw new UsageError('missing --direction');
  const protocol: Protocol = oneOf('protocol', values.protocol, PROTOCOLS);
  const direction: Direction = oneOf('direction', values.direction, DIRECTIONS);
  const strict = values.strict === true;
  // Only the SCGI request decoder has a strict mode; silently ignoring the flag elsewhere would
  // suggest a check that did not happen.
  if (strict && !(protocol === 'scgi' && direction === 'to-app')) throw new UsageError('--strict applies to --protocol scgi --direction to-app only');
  if (positionals.length === 0) throw new UsageError('missing FILE (use - for stdin)');
  if (positionals.length > 1) throw new UsageError(`expected one FILE, got ${positionals.length}`);
  return { help: false, options: { protocol, direction, strict }, file: positionals[0] as string };
}

/**
 * Runs `gw inspect`: decodes the input, prints the JSON on stdout and notes on stderr.
 * @returns 0 when the input decoded cleanly, 1 when it is malformed (the JSON then has `error`)
 * @throws UsageError when the input cannot be read
 */
export async function runInspect(options: InspectOptions, file: string, io: CliIo): Promise<number> {
  const inspector = createInspector(options);
  const source: AsyncIterable<Uint8Array | string> = file === '-' ? io.stdin : createReadStream(file, { highWaterMark: READ_CHUNK_BYTES });
  const label = file === '-' ? 'stdin' : file;
  const chunks = source[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Uint8Array | string>;
    try {
      next = await chunks.next();
    } catch (err) {
      // ENOENT, EISDIR, EACCES…: the user named something that cannot be read.
      throw new UsageError(`cannot read ${label}: ${(err as Error).message}`);
    }
    if (next.done === true) break;
    // A stream with an encoding set yields strings; latin1 gives back the original bytes.
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value, 'latin1') : next.value;
    inspector.push(chunk);
  }
  const result = inspector.finish();
  io.stdout.write(`${formatJson(result)}\n`);
  for (const note of inspector.notes()) io.stderr.write(`gw inspect: note: ${note}\n`);
  return result.error === null ? 0 : 1;
}
