import { UsageError } from '../args.js';

// Parsers for the values of `gw serve` flags (and the same keys in a --config file). Each throws
// a UsageError that names the flag, so the message points at what to fix.

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const DURATION_UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration in milliseconds: `30` and `30s` are seconds (gunicorn's and php-fpm's unit), `500ms`,
 * `2m`, `1h` say their unit. `0` means "no limit" where the option allows it.
 */
export function parseDuration(flag: string, text: string): number {
  const match = DURATION.exec(text.trim());
  if (match === null) throw new UsageError(`--${flag} must be a duration such as 30, 30s, 500ms or 2m, not '${text}'`);
  const ms = Math.round(Number(match[1]) * (DURATION_UNIT_MS[match[2] ?? 's'] as number));
  // setTimeout's largest delay; the servers reject longer timeouts too.
  if (ms > 0x7fffffff) throw new UsageError(`--${flag} is too long: ${text}`);
  return ms;
}

const SIZE = /^(\d+)\s*([kmg]?)i?b?$/i;
const SIZE_UNIT: Readonly<Record<string, number>> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** A byte count: `1048576`, `512k`, `64m`, `1g` (binary multiples, as nginx reads sizes). */
export function parseSize(flag: string, text: string): number {
  const match = SIZE.exec(text.trim());
  if (match === null) throw new UsageError(`--${flag} must be a size such as 1048576, 512k or 64m, not '${text}'`);
  const bytes = Number(match[1]) * (SIZE_UNIT[(match[2] as string).toLowerCase()] as number);
  if (!Number.isSafeInteger(bytes)) throw new UsageError(`--${flag} is too large: ${text}`);
  return bytes;
}

/** A decimal integer from `min` to `max`. */
export function parseInteger(flag: string, text: string, min: number, max: number): number {
  const trimmed = text.trim();
  const value = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!(value >= min && value <= max)) throw new UsageError(`--${flag} must be an integer from ${min} to ${max}, not '${text}'`);
  return value;
}

/** A file mode in octal, as chmod(1) and php-fpm's listen.mode take it: `660`, `0660`. */
export function parseFileMode(flag: string, text: string): number {
  const trimmed = text.trim();
  if (!/^0?[0-7]{3,4}$/.test(trimmed)) throw new UsageError(`--${flag} must be an octal file mode such as 660, not '${text}'`);
  return Number.parseInt(trimmed, 8);
}

/** A comma-separated list; blanks around entries and empty entries are dropped. */
export function parseList(text: string): string[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}
