// Request params of the FastCGI, SCGI and uwsgi clients: one shape, one set of helpers.
import { ParamList } from '../param-list.js';

/** A name or value: a string (one latin1 byte per character) or raw bytes. */
export type ClientPairPart = string | Uint8Array;

/**
 * CGI params of a client request: a plain object, a ParamList, or any iterable of `[name, value]`
 * (strings are latin1, one byte per character; Uint8Arrays are raw bytes).
 */
export type ClientParams = Record<string, string | number> | ParamList | Iterable<readonly [ClientPairPart, ClientPairPart]> | FlatClientParams;

/**
 * Params as one flat array of latin1 strings, name then value (`{ flat: ['REQUEST_METHOD', 'GET',
 * …] }`): the cheapest shape to build and to encode, with no tuple per pair (what @gw/proxy
 * sends). Told apart from a plain object by `flat` being an array (a param value never is).
 */
export interface FlatClientParams {
  readonly flat: readonly string[];
}

/** True for the `{ flat: [...] }` shape. */
export function isFlatParams(params: ClientParams | undefined): params is FlatClientParams {
  return params !== undefined && Array.isArray((params as { flat?: unknown }).flat);
}


/** Params flattened into pairs, so they can be checked and completed before encoding. */
export type PairArray = [ClientPairPart, ClientPairPart][];

/** Turns any accepted params shape into a fresh array of pairs (the caller's object is not touched). */
export function toPairs(params: ClientParams | undefined): PairArray {
  const out: PairArray = [];
  if (params === undefined) return out;
  if (isFlatParams(params)) {
    const flat = params.flat;
    for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i] as string, flat[i + 1] as string]);
    return out;
  }
  if (params instanceof ParamList) {
    for (let i = 0; i < params.length; i++) out.push([params.nameBytes(i), params.valueBytes(i)]);
    return out;
  }
  if (typeof (params as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const [name, value] of params as Iterable<readonly [ClientPairPart, ClientPairPart]>) out.push([name, value]);
    return out;
  }
  for (const [name, value] of Object.entries(params as Record<string, string | number>)) out.push([name, String(value)]);
  return out;
}

/** Whether some pair is named `name` (names compared as latin1 bytes). */
export function hasParam(pairs: PairArray, name: string): boolean {
  return paramValue(pairs, name) !== undefined;
}

/** The value of the last pair named `name` as a latin1 string, or undefined. */
export function paramValue(pairs: PairArray, name: string): string | undefined {
  for (let i = pairs.length - 1; i >= 0; i--) {
    const [n, v] = pairs[i] as [ClientPairPart, ClientPairPart];
    if (n.length === name.length && latin1(n) === name) return latin1(v);
  }
  return undefined;
}

function latin1(part: ClientPairPart): string {
  return typeof part === 'string' ? part : Buffer.from(part.buffer, part.byteOffset, part.length).toString('latin1');
}

/**
 * Adds `name = value` unless the caller already gave `name`. Used for CONTENT_LENGTH (RFC 3875
 * §4.1.2; php-fpm reads no body without it: php-src#7509) and FCGI_DATA_LENGTH (spec §6.4), whose
 * values the client knows when the body is bytes.
 */
export function addUnlessGiven(pairs: PairArray, name: string, value: number | undefined): void {
  if (value !== undefined && !hasParam(pairs, name)) pairs.push([name, String(value)]);
}
