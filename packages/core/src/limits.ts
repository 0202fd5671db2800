import { InvalidArgumentError } from './errors.js';

/** How one numeric limit option is validated and defaulted. */
export interface LimitSpec {
  /** Value used when the option is absent. Must be safe for an internet-facing server. */
  readonly default: number;
  /** Smallest accepted value (inclusive). */
  readonly min: number;
  /** Largest accepted value (inclusive). `Infinity` allows "no limit". */
  readonly max: number;
}

export type LimitSpecs<K extends string> = { readonly [P in K]: LimitSpec };
export type Limits<K extends string> = { readonly [P in K]: number };

/**
 * Resolves user-supplied limit options against their specs: absent → default, present → must be an
 * integer (or Infinity where `max` is Infinity) within [min, max]. Unknown keys are ignored so that
 * one options object can carry limits for several layers.
 *
 * @throws InvalidArgumentError `GW_ERR_INVALID_OPTION` for a value out of range or not an integer.
 */
export function resolveLimits<K extends string>(
  specs: LimitSpecs<K>,
  options: Partial<Record<K, number | undefined>> | undefined,
  owner: string,
): Limits<K> {
  const out = {} as Record<K, number>;
  for (const key of Object.keys(specs) as K[]) {
    const spec = specs[key];
    const value = options?.[key];
    if (value === undefined) {
      out[key] = spec.default;
      continue;
    }
    const integral = Number.isInteger(value) || (value === Number.POSITIVE_INFINITY && spec.max === Number.POSITIVE_INFINITY);
    if (typeof value !== 'number' || !integral || value < spec.min || value > spec.max) {
      throw new InvalidArgumentError(
        'GW_ERR_INVALID_OPTION',
        `${owner}: option ${key} must be an integer from ${spec.min} to ${spec.max}, got ${String(value)}`,
      );
    }
    out[key] = value;
  }
  return out;
}
