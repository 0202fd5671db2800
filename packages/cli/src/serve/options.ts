import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { type FlagSpec, oneOf, parseFlags, UsageError } from '../args.js';
import { parseDuration, parseFileMode, parseInteger, parseList, parseSize } from './flag-values.js';
import { createGatewayServer, type ServerProtocol, type ServerSettings } from './gateway-server.js';
import { type ListenTarget, parseListenTarget } from './listen-target.js';

/** `--protocol` values: the three servers, and `cgi` (one request as a CGI/1.1 program). */
export const SERVE_PROTOCOLS = ['fastcgi', 'scgi', 'uwsgi', 'cgi'] as const;
export type ServeProtocol = (typeof SERVE_PROTOCOLS)[number];

/** Everything `gw serve` was asked to do, validated. */
export interface ServeOptions {
  /** Absolute path of the application module. */
  app: string;
  /** Default `fastcgi`. */
  protocol: ServeProtocol;
  /** `--listen`; undefined = systemd socket, else fd 0 if it is a listening socket, else 127.0.0.1:9000. */
  listen: ListenTarget | undefined;
  /** Worker processes (node:cluster). Default 1 = the server runs in this process. */
  workers: number;
  /** Absolute path of the pidfile, or undefined. */
  pidfile: string | undefined;
  /** How long a graceful shutdown waits for requests in flight, ms. Default 30000. */
  shutdownTimeout: number;
  /** Requests a worker serves before it is replaced; undefined = never. */
  maxRequests: number | undefined;
  /** Passed to the protocol server. */
  server: ServerSettings;
  /** Log errors only. Default false. */
  quiet: boolean;
}

/** What {@link parseServeArgs} returns. */
export type ParsedServeArgs = { help: true } | { help: false; options: ServeOptions };

/** Flags of `gw serve`. The long names are also the keys of a --config file. */
export const SERVE_FLAGS: FlagSpec = {
  protocol: { type: 'string', short: 'p' },
  listen: { type: 'string', short: 'l' },
  'socket-mode': { type: 'string' },
  workers: { type: 'string', short: 'w' },
  pidfile: { type: 'string' },
  timeout: { type: 'string', short: 't' },
  'max-requests': { type: 'string' },
  'max-body': { type: 'string' },
  'max-connections': { type: 'string' },
  'max-vars-bytes': { type: 'string' },
  'keepalive-timeout': { type: 'string' },
  'headers-timeout': { type: 'string' },
  'handler-timeout': { type: 'string' },
  allow: { type: 'string' },
  config: { type: 'string', short: 'c' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
};

/** Keys a config file may hold: every flag but --config and --help, plus the APP argument. */
const CONFIG_KEYS = new Set(['app', ...Object.keys(SERVE_FLAGS).filter((key) => key !== 'config' && key !== 'help')]);

/** Flags that configure a listening server, meaningless for one CGI request. */
const SERVER_ONLY = ['listen', 'socket-mode', 'workers', 'pidfile', 'timeout', 'max-requests', 'max-body', 'max-connections', 'max-vars-bytes', 'keepalive-timeout', 'headers-timeout', 'handler-timeout', 'allow'];

const DEFAULT_SHUTDOWN_TIMEOUT = 30_000;
const MAX_WORKERS = 1024;

type Values = Record<string, string | boolean | undefined>;

/**
 * Parses `gw serve` arguments: flags override the keys of `--config FILE` (JSON), which override
 * the defaults. Relative paths (APP, unix sockets, pidfile) are resolved against `cwd`, those in
 * a config file against the file's directory.
 *
 * @throws UsageError for an unknown flag or key, a bad value, a missing APP, a flag that does not
 *   apply to the protocol, or a setting the protocol's server refuses
 */
export function parseServeArgs(args: readonly string[], cwd: string = process.cwd()): ParsedServeArgs {
  const { values, positionals } = parseFlags(args, SERVE_FLAGS);
  if (values.help === true) return { help: true };
  if (positionals.length > 1) throw new UsageError(`expected one APP module, got ${positionals.length}: ${positionals.join(' ')}`);
  const config = typeof values.config === 'string' ? readConfig(resolve(cwd, values.config)) : { values: {}, dir: cwd };
  // Each value is resolved against the directory of whoever gave it.
  const merged: Values = { ...config.values };
  const base: Record<string, string> = {};
  for (const key of Object.keys(config.values)) base[key] = config.dir;
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || key === 'config' || key === 'help') continue;
    merged[key] = value;
    base[key] = cwd;
  }
  if (positionals[0] !== undefined) {
    merged.app = positionals[0];
    base.app = cwd;
  }
  return { help: false, options: toOptions(merged, base) };
}

function toOptions(values: Values, base: Record<string, string>): ServeOptions {
  const text = (key: string): string | undefined => (typeof values[key] === 'string' ? (values[key] as string) : undefined);
  const app = text('app');
  if (app === undefined || app === '') throw new UsageError('missing APP: the module that exports the application');
  const protocol = oneOf('protocol', text('protocol') ?? 'fastcgi', SERVE_PROTOCOLS);
  if (protocol === 'cgi') {
    const serverFlag = SERVER_ONLY.find((key) => values[key] !== undefined);
    if (serverFlag !== undefined) throw new UsageError(`--${serverFlag} does not apply to --protocol cgi (one request, no listening socket)`);
  }
  if (protocol !== 'fastcgi' && values['keepalive-timeout'] !== undefined) {
    throw new UsageError(`--keepalive-timeout applies to --protocol fastcgi only (${protocol} carries one request per connection)`);
  }
  if (protocol !== 'uwsgi' && protocol !== 'cgi' && values['max-vars-bytes'] !== undefined) {
    throw new UsageError(`--max-vars-bytes applies to --protocol uwsgi only (the size of its vars block)`);
  }
  const optional = <T>(key: string, parse: (flag: string, value: string) => T): T | undefined => {
    const value = text(key);
    return value === undefined ? undefined : parse(key, value);
  };
  const listen = optional('listen', (_flag, value) => parseListenTarget(value, base.listen));
  const socketMode = optional('socket-mode', parseFileMode);
  const allow = optional('allow', (_flag, value) => parseList(value));
  const server: ServerSettings = {
    maxBodyBytes: optional('max-body', parseSize),
    maxConnections: optional('max-connections', (flag, value) => parseInteger(flag, value, 1, 0x7fffffff)),
    maxVarsBytes: optional('max-vars-bytes', parseSize),
    keepAliveTimeout: optional('keepalive-timeout', parseDuration),
    headersTimeout: optional('headers-timeout', parseDuration),
    handlerTimeout: optional('handler-timeout', parseDuration),
    allowedPeers: allow,
    socketMode,
  };
  if (protocol !== 'cgi') validateServerSettings(protocol, server);
  const pidfile = text('pidfile');
  return {
    app: resolve(base.app as string, app),
    protocol,
    listen,
    workers: optional('workers', parseWorkers) ?? 1,
    pidfile: pidfile === undefined ? undefined : resolve(base.pidfile as string, pidfile),
    shutdownTimeout: optional('timeout', parseDuration) ?? DEFAULT_SHUTDOWN_TIMEOUT,
    maxRequests: optional('max-requests', (flag, value) => parseInteger(flag, value, 1, Number.MAX_SAFE_INTEGER)),
    server,
    quiet: values.quiet === true,
  };
}

/** `--workers N` or `auto` (one per CPU the process may use). */
function parseWorkers(flag: string, value: string): number {
  if (value.trim() === 'auto') return Math.min(availableParallelism(), MAX_WORKERS);
  return parseInteger(flag, value, 1, MAX_WORKERS);
}

/** The servers check their own ranges (and the allowlist's syntax); ask them now, not in a worker. */
function validateServerSettings(protocol: ServerProtocol, server: ServerSettings): void {
  try {
    createGatewayServer(protocol, undefined, server);
  } catch (err) {
    if ((err as { code?: unknown }).code === 'GW_ERR_INVALID_OPTION') throw new UsageError((err as Error).message);
    throw err;
  }
}

/** Reads a JSON config: an object whose keys are long flag names (and `app`). */
function readConfig(path: string): { values: Values; dir: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`--config ${path}: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError(`--config ${path}: expected a JSON object`);
  const values: Values = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (!CONFIG_KEYS.has(key)) throw new UsageError(`--config ${path}: unknown key '${key}'`);
    values[key] = configValue(path, key, value);
  }
  return { values, dir: resolve(path, '..') };
}

/** Numbers are taken as the flag's text (`"workers": 4`), lists as arrays or comma strings. */
function configValue(path: string, key: string, value: unknown): string | boolean {
  if (key === 'quiet') {
    if (typeof value !== 'boolean') throw new UsageError(`--config ${path}: '${key}' must be true or false`);
    return value;
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (key === 'allow' && Array.isArray(value) && value.every((entry) => typeof entry === 'string')) return value.join(',');
  throw new UsageError(`--config ${path}: '${key}' must be a ${key === 'allow' ? 'string or an array of strings' : 'string or a number'}`);
}
