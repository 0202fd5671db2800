/**
 * The per-request contract between a gateway application server (FastCGI, SCGI, uwsgi) and an
 * adapter (node:http or Fetch). The server implements RequestSink; the adapter returns a
 * RequestExchange. Both are plain objects with methods, so a request costs no closures.
 * `@gw/node-http`'s `ResponseSink` / `Exchange` are the same shapes.
 */

/** What the adapter may call on the server's side of a request. */
export interface RequestSink {
  readonly headFormat: 'cgi' | 'http';
  write(chunks: Buffer[], end: boolean): boolean;
  abort(error: Error | undefined): void;
  resumeBody(): void;
}

/** What the server calls on the adapter's side of a request. */
export interface RequestExchange {
  pushBody(chunk: Buffer): boolean;
  endBody(): void;
  drain(): void;
  abort(): void;
}

/** An exchange that ignores everything: used when a request has no handler (refused, aborted). */
export const NULL_EXCHANGE: RequestExchange = {
  pushBody: () => true,
  endBody: () => {},
  drain: () => {},
  abort: () => {},
};
