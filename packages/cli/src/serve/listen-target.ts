import { isIP, type ListenOptions } from 'node:net';
import { resolve } from 'node:path';
import { UsageError } from '../args.js';

/** Where the server listens. */
export type ListenTarget =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'unix'; readonly path: string }
  /** An inherited listening socket: fd 0 (spawn-fcgi, mod_fcgid) or fd 3+ (systemd). */
  | { readonly kind: 'fd'; readonly fd: number };

/** The address used when nothing says otherwise: php-fpm's default port, loopback only. */
export const DEFAULT_LISTEN: ListenTarget = { kind: 'tcp', host: '127.0.0.1', port: 9000 };

/**
 * Reads a `--listen` value:
 * - `HOST:PORT`, `[IPV6]:PORT` — TCP (`127.0.0.1:9000`, `[::1]:9000`, `0.0.0.0:9000`);
 * - `PORT` — TCP on 127.0.0.1 (a gateway port should not face the network by accident);
 * - `unix:PATH`, or a PATH starting with `/` or `.` — a unix socket, relative to `cwd`;
 * - `fd:N` — a listening socket inherited as file descriptor N.
 *
 * @throws UsageError for anything else
 */
export function parseListenTarget(text: string, cwd: string = process.cwd()): ListenTarget {
  const value = text.trim();
  if (value.startsWith('unix:')) {
    const path = value.slice(5);
    if (path === '') throw new UsageError('--listen unix: needs a path');
    return { kind: 'unix', path: resolve(cwd, path) };
  }
  if (value.startsWith('/') || value.startsWith('.')) return { kind: 'unix', path: resolve(cwd, value) };
  if (value.startsWith('fd:')) {
    const fd = /^\d{1,9}$/.test(value.slice(3)) ? Number(value.slice(3)) : Number.NaN;
    if (!(fd >= 0)) throw new UsageError(`--listen fd: needs a file descriptor number, not '${value}'`);
    return { kind: 'fd', fd };
  }
  if (/^\d+$/.test(value)) return { kind: 'tcp', host: '127.0.0.1', port: parsePort(value, text) };
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(value);
  if (bracketed !== null) {
    if (isIP(bracketed[1] as string) !== 6) throw new UsageError(`--listen: '${bracketed[1]}' is not an IPv6 address`);
    return { kind: 'tcp', host: bracketed[1] as string, port: parsePort(bracketed[2] as string, text) };
  }
  const colon = value.lastIndexOf(':');
  const host = value.slice(0, colon);
  // A bare IPv6 address with a port is ambiguous (::1:9000): brackets are required, as in URLs.
  if (colon > 0 && !host.includes(':') && /^\d+$/.test(value.slice(colon + 1))) {
    return { kind: 'tcp', host, port: parsePort(value.slice(colon + 1), text) };
  }
  throw new UsageError(`--listen must be HOST:PORT, [IPV6]:PORT, PORT, unix:PATH or fd:N, not '${text}'`);
}

function parsePort(digits: string, text: string): number {
  const port = Number(digits);
  if (port > 65535) throw new UsageError(`--listen: port out of range in '${text}'`);
  return port;
}

/** The target as `--listen` would spell it. */
export function formatListenTarget(target: ListenTarget): string {
  switch (target.kind) {
    case 'tcp':
      return formatHostPort(target.host, target.port);
    case 'unix':
      return `unix:${target.path}`;
    case 'fd':
      return `fd:${target.fd}`;
  }
}

/** `net.Server#listen` options for the target (an fd is listen()'s "handle" form, `{ fd }`). */
export function toListenOptions(target: ListenTarget): ListenOptions | { fd: number } {
  switch (target.kind) {
    case 'tcp':
      return { host: target.host, port: target.port };
    case 'unix':
      return { path: target.path };
    case 'fd':
      return { fd: target.fd };
  }
}

/**
 * What a listening server is bound to, for the log: the real port when 0 was asked for, and the
 * socket's own address behind an inherited fd.
 */
export function describeListening(target: ListenTarget, address: ReturnType<import('node:net').Server['address']>): string {
  const bound = address === null ? undefined : typeof address === 'string' ? `unix:${address}` : formatHostPort(address.address, address.port);
  if (target.kind === 'fd') return bound === undefined ? formatListenTarget(target) : `${formatListenTarget(target)} (${bound})`;
  return bound ?? formatListenTarget(target);
}

function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
