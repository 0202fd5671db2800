import { mkdirSync, writeFileSync } from 'node:fs';
import { type FrontEnd, launchFrontEnd } from './front-end.js';
import type { TempPrefix } from './temp-prefix.js';
import { type Upstream, upstreamHost } from './upstream.js';

/** One backend under a URL prefix. */
export interface LighttpdBackend {
  /** URL prefix, e.g. "/app/". */
  path: string;
  /** mod_fastcgi, or mod_scgi speaking SCGI or uwsgi (`scgi.protocol`). */
  protocol: 'fastcgi' | 'scgi' | 'uwsgi';
  upstream: Upstream;
  /** More `"key" => value` entries for the host block (strings are quoted for you). */
  hostOptions?: Record<string, string | number>;
}

/** Options of `startLighttpd`. */
export interface LighttpdOptions {
  backends: readonly LighttpdBackend[];
  /**
   * `server.stream-request-body`: 0 reads the whole body before contacting the backend (lighttpd's
   * default), 1 and 2 stream it. Default 0.
   */
  streamRequestBody?: 0 | 1 | 2;
  /** `server.stream-response-body`, same values. Default 0. */
  streamResponseBody?: 0 | 1 | 2;
  /** `server.max-request-field-size`: bytes of request head accepted. Default 65535 (lighttpd's own: 8192). */
  maxRequestHeadBytes?: number;
  /** Extra lighttpd.conf text, given the prefix. */
  config?: (prefix: TempPrefix) => string;
}

/**
 * Starts lighttpd from a temp prefix (`lighttpd -D -f lighttpd.conf`) on 127.0.0.1; request
 * bodies are buffered in the prefix (`server.upload-dirs`). Stopped by PID with SIGTERM.
 */
export async function startLighttpd(options: LighttpdOptions): Promise<FrontEnd> {
  return launchFrontEnd({
    name: 'lighttpd',
    prepare: (prefix, port) => {
      mkdirSync(prefix.file('htdocs'));
      mkdirSync(prefix.file('upload'));
      writeFileSync(prefix.file('lighttpd.conf'), lighttpdConfig(prefix, port, options));
      return { command: 'lighttpd', args: ['-D', '-f', prefix.file('lighttpd.conf')], cwd: prefix.path, stopSignal: 'SIGTERM' };
    },
  });
}

/** The lighttpd.conf text. */
export function lighttpdConfig(prefix: TempPrefix, port: number, options: LighttpdOptions): string {
  const fastcgi = options.backends.filter((b) => b.protocol === 'fastcgi');
  const scgi = options.backends.filter((b) => b.protocol !== 'fastcgi');
  const lines = [
    `server.document-root = "${prefix.file('htdocs')}"`,
    'server.bind = "127.0.0.1"',
    `server.port = ${port}`,
    `server.errorlog = "${prefix.file('error.log')}"`,
    `server.upload-dirs = ( "${prefix.file('upload')}" )`,
    `server.stream-request-body = ${options.streamRequestBody ?? 0}`,
    `server.stream-response-body = ${options.streamResponseBody ?? 0}`,
    // lighttpd caps the whole request head at 8 KiB by default (431 beyond); tests send ~12 KiB.
    `server.max-request-field-size = ${options.maxRequestHeadBytes ?? 65535}`,
    'server.modules += ( "mod_fastcgi", "mod_scgi" )',
  ];
  if (fastcgi.length > 0) {
    lines.push(`fastcgi.server = (\n${fastcgi.map((b) => `    "${b.path}" => ( ( ${hostBlock(b)} ) )`).join(',\n')}\n)`);
  }
  // scgi.protocol is not a per-host option: choose it per URL prefix with a conditional.
  for (const b of scgi) {
    lines.push(`$HTTP["url"] =^ "${b.path}" {\n    scgi.protocol = "${b.protocol}"\n    scgi.server = ( "${b.path}" => ( ( ${hostBlock(b)} ) ) )\n}`);
  }
  lines.push(options.config?.(prefix) ?? '');
  return `${lines.join('\n')}\n`;
}

function hostBlock(backend: LighttpdBackend): string {
  // "check-local" => "disable": forward every URL under the prefix without looking for a file.
  const entries: Record<string, string | number> = { 'check-local': 'disable' };
  if ('socket' in backend.upstream) entries.socket = backend.upstream.socket;
  else Object.assign(entries, { host: upstreamHost(backend.upstream), port: backend.upstream.port });
  Object.assign(entries, backend.hostOptions);
  return Object.entries(entries)
    .map(([k, v]) => `"${k}" => ${typeof v === 'number' ? v : `"${v}"`}`)
    .join(', ');
}
