// The clients' params helpers live in @gw/core (shared with the SCGI and uwsgi clients).
import type { ClientParams } from '@gw/core';

export { addUnlessGiven, hasParam, isFlatParams, type PairArray, paramValue, toPairs } from '@gw/core';

/**
 * CGI params of a client request: a plain object, a ParamList, any iterable of `[name, value]`
 * (strings are latin1, one byte per character; Uint8Arrays are raw bytes), or `{ flat: [name,
 * value, name, value…] }` (latin1 strings; the cheapest to encode).
 */
export type FastCgiParams = ClientParams;

/** The value of the last pair named `name` in flat params, or undefined. */
export function flatParamValue(flat: readonly string[], name: string): string | undefined {
  for (let i = flat.length - 2; i >= 0; i -= 2) if (flat[i] === name) return flat[i + 1];
  return undefined;
}
