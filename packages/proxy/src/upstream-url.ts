import { InvalidArgumentError } from '@gw/core';
import { ProxyErrorCode } from './errors.js';

/** The gateway protocol an upstream speaks. */
export type UpstreamScheme = 'fastcgi' | 'scgi' | 'uwsgi';

/** A parsed upstream URL. */
export interface UpstreamAddress {
  scheme: UpstreamScheme;
  /** Unix socket path, or TCP host and port. */
  target: { path: string } | { host: string; port: number };
  /** uwsgi only: `?modifier1=N&modifier2=N`. */
  modifier1?: number;
  modifier2?: number;
}

const SCHEMES: readonly string[] = ['fastcgi', 'scgi', 'uwsgi'];

/**
 * Parses `fastcgi://unix:/run/php/php-fpm.sock`, `fastcgi://127.0.0.1:9000`, `scgi://[::1]:4000`,
 * `uwsgi://unix:/run/app.sock?modifier1=0` (nginx's `unix:` spelling for socket paths).
 *
 * @throws InvalidArgumentError `PROXY_ERR_INVALID_UPSTREAM`
 */
export function parseUpstream(url: string): UpstreamAddress {
  const match = /^([a-z]+):\/\/(.*)$/i.exec(url);
  const scheme = match?.[1]?.toLowerCase();
  if (match === null || scheme === undefined || !SCHEMES.includes(scheme)) throw invalid(url, 'must start with fastcgi://, scgi:// or uwsgi://');
  let rest = match[2] as string;
  let query = '';
  const q = rest.indexOf('?');
  if (q !== -1) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  const address: UpstreamAddress = { scheme: scheme as UpstreamScheme, target: parseTarget(rest, url) };
  for (const [key, value] of new URLSearchParams(query)) {
    if ((key !== 'modifier1' && key !== 'modifier2') || scheme !== 'uwsgi') throw invalid(url, `unknown option ${key}`);
    const n = Number(value);
    if (!/^[0-9]{1,3}$/.test(value) || n > 255) throw invalid(url, `${key} must be 0..255`);
    address[key] = n;
  }
  return address;
}

function parseTarget(rest: string, url: string): UpstreamAddress['target'] {
  if (rest.startsWith('unix:')) {
    const path = rest.slice(5);
    if (path === '') throw invalid(url, 'empty unix socket path');
    return { path };
  }
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:/[\]]+):([0-9]{1,5})$/.exec(rest);
  const port = Number(m?.[2]);
  if (m === null || port < 1 || port > 65535) throw invalid(url, 'needs unix:/path or host:port');
  const host = (m[1] as string).replace(/^\[(.*)\]$/, '$1');
  return { host, port };
}

function invalid(url: string, why: string): InvalidArgumentError {
  return new InvalidArgumentError(ProxyErrorCode.INVALID_UPSTREAM, `upstream ${JSON.stringify(url)}: ${why}`);
}
