// The clients' params helpers live in @gw/core (shared with the SCGI and uwsgi clients).
import type { ClientParams } from '@gw/core';

export { addUnlessGiven, hasParam, type PairArray, paramValue, toPairs } from '@gw/core';

/**
 * CGI params of a client request: a plain object, a ParamList, any iterable of `[name, value]`
 * (strings are latin1, one byte per character; Uint8Arrays are raw bytes), or `{ flat: [name,
 * value, name, value…] }` (latin1 strings; the cheapest to encode).
 */
export type FastCgiParams = ClientParams;

/** The `{ flat: [...] }` shape (@gw/core's FlatClientParams): told apart by `flat` being an array. */
export function isFlatParams(params: FastCgiParams | undefined): params is { readonly flat: readonly string[] } {
  return params !== undefined && Array.isArray((params as { flat?: unknown }).flat);
}

/** The value of the last pair named `name` in flat params, or undefined. */
export function flatParamValue(flat: readonly string[], name: string): string | undefined {
  for (let i = flat.length - 2; i >= 0; i -= 2) if (flat[i] === name) return flat[i + 1];
  return undefined;
}
