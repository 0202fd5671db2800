/** Where a front end forwards requests: a TCP port on loopback or a unix socket path. */
export type Upstream = { readonly host?: string; readonly port: number } | { readonly socket: string };

/** `host:port` or the socket path, for messages. */
export function describeUpstream(upstream: Upstream): string {
  return 'socket' in upstream ? upstream.socket : `${upstream.host ?? '127.0.0.1'}:${upstream.port}`;
}

/** The host of a TCP upstream (default 127.0.0.1). */
export function upstreamHost(upstream: { readonly host?: string }): string {
  return upstream.host ?? '127.0.0.1';
}
