import { existsSync } from 'node:fs';
import { Server as HttpServer } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { GatewayHandler, NodeRequestListener } from '@gw/node-http';
import { ServeError, ServeErrorCode } from './errors.js';

/** An application ready to serve. */
export interface LoadedApp {
  /** A node:http request listener or a `{ fetch }` handler, what the gw servers take. */
  handler: GatewayHandler;
  /** What the module exported, for the log: `Koa app`, `Fastify instance`, `{ fetch } handler`… */
  kind: string;
  /** Releases the application's resources at shutdown (Fastify's onClose hooks). */
  close?: () => Promise<void>;
}

/**
 * Imports APP (a path relative to `cwd`; ESM or CommonJS, as Node decides from the extension and
 * package.json "type") and turns its export into a handler with {@link resolveApp}.
 *
 * @throws ServeError `GW_ERR_SERVE_MODULE_NOT_FOUND`, `GW_ERR_SERVE_MODULE_FAILED` (the import
 *   threw; the error is the cause), `GW_ERR_SERVE_BAD_EXPORT`
 */
export async function loadApp(app: string, cwd: string = process.cwd()): Promise<LoadedApp> {
  const path = resolve(cwd, app);
  if (!existsSync(path)) throw new ServeError(ServeErrorCode.MODULE_NOT_FOUND, `cannot find the application module ${path}`);
  let namespace: Record<string, unknown>;
  try {
    namespace = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (cause) {
    const detail = cause instanceof Error ? (cause.stack ?? cause.message) : String(cause);
    throw new ServeError(ServeErrorCode.MODULE_FAILED, `importing ${path} failed: ${detail}`, { cause });
  }
  return resolveApp(pickExport(namespace, path), path);
}

/**
 * The export to serve: `default` (for CommonJS, `module.exports`), unwrapping a transpiled
 * `exports.default` (TypeScript/Babel `__esModule` output); a module without a default export
 * but with a `fetch` function (`export function fetch`) serves itself as `{ fetch }`.
 */
function pickExport(namespace: Record<string, unknown>, path: string): unknown {
  let value = namespace.default;
  if (isObject(value) && value.__esModule === true && 'default' in value) value = value.default;
  if (value !== undefined) return value;
  if (typeof namespace.fetch === 'function') return { fetch: namespace.fetch };
  const names = Object.keys(namespace);
  throw new ServeError(
    ServeErrorCode.BAD_EXPORT,
    `${path} has no default export${names.length > 0 ? ` (named exports: ${names.slice(0, 8).join(', ')})` : ''}; export the application as default (module.exports in CommonJS)`,
  );
}

/**
 * Turns an exported value into a handler. Accepted, checked in this order:
 * - an `http.Server` (not listening; gw never listens it): its 'request' listeners serve;
 * - a Fastify instance (`routing` and `ready`): `await app.ready()`, then `app.routing(req, res)`,
 *   the handler Fastify itself gives its server; `app.close()` runs at shutdown;
 * - a Koa app (`callback()`): `app.callback()`;
 * - an object with a `fetch` method (Hono, itty-router, any Fetch handler): the Fetch adapter;
 * - a function with no declared parameters: a factory, called once (and awaited), whose result is
 *   any of these;
 * - any other function: a node:http request listener (`(req, res)`, Express and Connect apps).
 * A promise (`export default createApp()`) is awaited first.
 *
 * @throws ServeError `GW_ERR_SERVE_BAD_EXPORT` naming what was found instead
 */
export async function resolveApp(exported: unknown, source: string, fromFactory = false): Promise<LoadedApp> {
  const value = isThenable(exported) ? await exported : exported;
  const suffix = fromFactory ? ' (from a factory)' : '';
  if (value instanceof HttpServer) {
    if (value.listenerCount('request') === 0) throw badExport(source, 'an http.Server without a request listener', fromFactory);
    return { handler: (req, res) => value.emit('request', req, res), kind: `http.Server${suffix}` };
  }
  if (isObject(value) && typeof value.routing === 'function' && typeof value.ready === 'function') {
    const fastify = value as { routing: NodeRequestListener; ready(): PromiseLike<unknown>; close?(): PromiseLike<unknown> };
    await fastify.ready();
    return {
      handler: (req, res) => fastify.routing(req, res),
      kind: `Fastify instance${suffix}`,
      close: typeof fastify.close === 'function' ? async () => void (await fastify.close?.()) : undefined,
    };
  }
  if (isObject(value) && typeof value.callback === 'function' && typeof value.use === 'function') {
    return { handler: (value.callback as () => NodeRequestListener).call(value), kind: `Koa app${suffix}` };
  }
  if (isObject(value) && typeof value.fetch === 'function') {
    const fetch = value.fetch as (...args: unknown[]) => Response | Promise<Response>;
    // Called as a method: a class-based handler may use `this`.
    return { handler: { fetch: (request, context) => fetch.call(value, request, context) }, kind: `{ fetch } handler${suffix}` };
  }
  if (typeof value === 'function') {
    if (value.length === 0 && !fromFactory) {
      let produced: unknown;
      try {
        produced = value();
      } catch (cause) {
        throw new ServeError(ServeErrorCode.MODULE_FAILED, `the factory exported by ${source} threw: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`, { cause });
      }
      return resolveApp(produced, source, true);
    }
    const kind = typeof (value as { handle?: unknown }).handle === 'function' ? 'Express/Connect app' : 'request listener';
    return { handler: value as NodeRequestListener, kind: `${kind}${suffix}` };
  }
  throw badExport(source, describe(value), fromFactory);
}

function badExport(source: string, found: string, fromFactory: boolean): ServeError {
  return new ServeError(
    ServeErrorCode.BAD_EXPORT,
    `${fromFactory ? `the factory exported by ${source} returned` : `${source} exports`} ${found}; expected a request listener (req, res), an Express, Koa or Fastify app, an http.Server, an object with a fetch method (Hono), or a function returning one`,
  );
}

/** A short description of a value for error messages: `a number (42)`, `an object with keys a, b`. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'object': {
      const name = Object.getPrototypeOf(value)?.constructor?.name;
      const keys = Object.keys(value as object).slice(0, 8);
      const what = name !== undefined && name !== 'Object' ? `a ${name} object` : 'an object';
      return keys.length === 0 ? `${what} with no own properties` : `${what} with keys ${keys.join(', ')}`;
    }
    case 'string':
      return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
    case 'undefined':
      return 'undefined';
    default:
      return `a ${typeof value} (${String(value)})`;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return isObject(value) && typeof value.then === 'function';
}
