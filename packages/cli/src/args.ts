import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * A command-line mistake by the user (unknown flag, missing value, unreadable file). The CLI
 * prints its message and the command's usage on stderr and exits with status 2.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Flag definitions in `node:util` parseArgs form. */
export type FlagSpec = NonNullable<ParseArgsConfig['options']>;

/** Parsed flags and the remaining positional arguments. */
export interface ParsedFlags {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * Parses `argv` strictly with `node:util` parseArgs: an unknown flag, a string flag without its
 * value, or a value given to a boolean flag becomes a {@link UsageError}. A lone `-` is a
 * positional (it means stdin), and `--` ends the flags.
 */
export function parseFlags(argv: readonly string[], options: FlagSpec): ParsedFlags {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
    return { values: values as ParsedFlags['values'], positionals };
  } catch (err) {
    // parseArgs reports user mistakes as TypeErrors with ERR_PARSE_ARGS_* codes; anything else is a bug.
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) throw new UsageError((err as Error).message);
    throw err;
  }
}

/**
 * Checks that a string flag's value is one of `allowed`.
 * @throws UsageError naming the flag and the allowed values.
 */
export function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${flag} must be one of ${allowed.join(', ')}, not '${value}'`);
}
