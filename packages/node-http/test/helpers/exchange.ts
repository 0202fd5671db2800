import type { ParamList } from '@gw/core';
import { type DispatchOptions, dispatch, type Exchange, type GatewayHandler, type HeadFormat } from '@gw/node-http';
import { cgiParams, FakeSink, type ParsedResponse } from './fake-sink.js';

/** Options of {@link serve}. */
export interface ServeOptions {
  /** CGI variables; default cgiParams(). */
  params?: ParamList;
  /** Body chunks, pushed one per event-loop turn; the body then ends. Default: none. */
  body?: (Buffer | string)[];
  headFormat?: HeadFormat;
  dispatchOptions?: DispatchOptions;
}

/** Result of {@link serve}. */
export interface Served extends ParsedResponse {
  sink: FakeSink;
  exchange: Exchange;
}

/**
 * Runs one request through dispatch() with a recording sink, as a gateway server would: body
 * chunks arrive on later turns, then the body ends. Resolves when the response ended or aborted.
 */
export async function serve(handler: GatewayHandler, options: ServeOptions = {}): Promise<Served> {
  const sink = new FakeSink(options.headFormat ?? 'cgi');
  const exchange = dispatch(handler, options.params ?? cgiParams(), sink, options.dispatchOptions ?? { onError: rethrowLater });
  for (const chunk of options.body ?? []) {
    await new Promise((resolve) => setImmediate(resolve));
    exchange.pushBody(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }
  exchange.endBody();
  await sink.done();
  if (sink.aborts.length > 0) throw new Error(`response aborted: ${String(sink.aborts[0])}`);
  return { ...sink.parse(), sink, exchange };
}

/** Params for a request with a body, as nginx sends them. */
export function bodyParams(method: string, uri: string, contentType: string, length: number | '', extra: Record<string, string | undefined> = {}): ParamList {
  const q = uri.indexOf('?');
  return cgiParams({
    REQUEST_METHOD: method,
    REQUEST_URI: uri,
    SCRIPT_NAME: q < 0 ? uri : uri.slice(0, q),
    DOCUMENT_URI: q < 0 ? uri : uri.slice(0, q),
    QUERY_STRING: q < 0 ? '' : uri.slice(q + 1),
    CONTENT_TYPE: contentType,
    CONTENT_LENGTH: String(length),
    ...extra,
  });
}

/** Params for `GET uri`. */
export function getParams(uri: string, extra: Record<string, string | undefined> = {}): ParamList {
  return bodyParams('GET', uri, '', '', extra);
}

// Unexpected handler errors must fail the test, not be logged and forgotten.
function rethrowLater(error: unknown): void {
  setImmediate(() => {
    throw error;
  });
}
