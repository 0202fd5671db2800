import { resolve } from 'node:path';
import { type ProxyRoute, type RunningProxy, type StartProxyOptions, startProxy } from '@gw/proxy';
import { type FlagSpec, parseFlags, UsageError } from '../args.js';
import { PROXY_HELP } from '../help.js';
import type { CliIo } from '../io.js';

const FLAGS: FlagSpec = {
  help: { type: 'boolean', short: 'h' },
  listen: { type: 'string', short: 'l' },
  upstream: { type: 'string', short: 'u', multiple: true },
  root: { type: 'string', short: 'r' },
  index: { type: 'string' },
};

/** What `gw proxy` was asked to do. */
export interface ProxyCommandOptions {
  listen: StartProxyOptions['listen'];
  routes: ProxyRoute[];
}

/**
 * Parses `gw proxy` flags. `--upstream` may repeat; each is `URL` (mounted at `/`) or
 * `PREFIX=URL` (mounted at PREFIX; the longest matching prefix wins).
 *
 * @throws UsageError for missing or malformed flags
 */
export function parseProxyArgs(args: readonly string[]): { help: true } | { help: false; options: ProxyCommandOptions } {
  const { values, positionals } = parseFlags(args, FLAGS);
  if (values.help === true) return { help: true };
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const upstreams = (values.upstream as unknown as string[] | undefined) ?? [];
  if (upstreams.length === 0) throw new UsageError('at least one --upstream is required');
  const root = resolve(typeof values.root === 'string' ? values.root : process.cwd());
  const index = typeof values.index === 'string' ? values.index : undefined;
  const routes = upstreams.map((spec): ProxyRoute => {
    const eq = spec.indexOf('=');
    const hasPrefix = eq > 0 && spec.startsWith('/');
    return { prefix: hasPrefix ? spec.slice(0, eq) : '/', upstream: hasPrefix ? spec.slice(eq + 1) : spec, documentRoot: root, index };
  });
  return { help: false, options: { listen: parseListen(typeof values.listen === 'string' ? values.listen : '127.0.0.1:8080'), routes } };
}

/** `HOST:PORT`, `PORT`, `[v6]:PORT` or `unix:PATH`. */
function parseListen(text: string): StartProxyOptions['listen'] {
  if (text.startsWith('unix:')) return { path: text.slice(5) };
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text) ?? (/^(\d+)$/.test(text) ? [text, undefined, '127.0.0.1', text] : null);
  if (m === null) throw new UsageError(`--listen must be HOST:PORT, PORT or unix:PATH, not '${text}'`);
  const port = Number(m[3]);
  if (!Number.isInteger(port) || port > 65535) throw new UsageError(`bad port in --listen '${text}'`);
  return { host: m[1] ?? m[2] ?? '127.0.0.1', port };
}

/**
 * `gw proxy`: an HTTP server that forwards each request to a FastCGI, SCGI or uwsgi application
 * (php-fpm, uWSGI, `gw serve`…) as nginx's fastcgi_pass / scgi_pass / uwsgi_pass would. Runs until
 * SIGINT/SIGTERM, then closes its listener and upstream pools and exits 0.
 */
export async function proxyCommand(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseProxyArgs(args);
  if (parsed.help) {
    io.stdout.write(PROXY_HELP);
    return 0;
  }
  let running: RunningProxy;
  try {
    running = await startProxy({ listen: parsed.options.listen, upstreams: parsed.options.routes });
  } catch (err) {
    io.stderr.write(`gw proxy: cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const where = typeof running.address === 'string' ? `unix:${running.address}` : `http://${running.address.address}:${running.address.port}`;
  io.stderr.write(`gw proxy: listening on ${where}\n`);
  for (const r of parsed.options.routes) io.stderr.write(`gw proxy:   ${r.prefix} → ${r.upstream}\n`);
  return await new Promise<number>((done) => {
    const stop = () => {
      io.stderr.write('gw proxy: stopping\n');
      running.close().then(
        () => done(0),
        () => done(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
