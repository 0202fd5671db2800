import type { IncomingMessage } from 'node:http';
import type { ScriptTarget } from './cgi-params.js';

/**
 * Chooses the script for a request: a file path (SCRIPT_NAME stays the URI's), a full target, null
 * to decline the request (the handler calls `next()`, or answers 404), or undefined for the default
 * mapping `documentRoot + uri` (with `index` appended to a directory URI).
 */
export type ScriptResolver = (req: IncomingMessage, uri: string) => string | ScriptTarget | null | undefined;

/** Options that shape the default mapping. */
export interface ScriptMapping {
  documentRoot: string;
  index: string;
  /** nginx `fastcgi_split_path_info`: two capture groups, the script name and PATH_INFO. */
  splitPathInfo: RegExp | undefined;
  resolve: ScriptResolver | undefined;
}

/**
 * nginx's `$fastcgi_script_name` (`fastcgi_index` appended to a URI ending in `/`, split by
 * `fastcgi_split_path_info` when configured) and `SCRIPT_FILENAME $document_root$fastcgi_script_name`.
 * Like nginx, it does not check that the file exists: php-fpm answers 404 "File not found." and
 * logs "Primary script unknown".
 */
export function resolveScript(req: IncomingMessage, uri: string, mapping: ScriptMapping): ScriptTarget | null {
  let name = uri.endsWith('/') ? `${uri}${mapping.index}` : uri;
  let pathInfo: string | undefined;
  const split = mapping.splitPathInfo?.exec(name);
  if (split !== undefined && split !== null && split[1] !== undefined) {
    name = split[1];
    pathInfo = split[2] ?? '';
  }
  const fallback: ScriptTarget = { filename: `${mapping.documentRoot}${name}`, name, pathInfo };
  const chosen = mapping.resolve?.(req, uri);
  if (chosen === null) return null;
  if (chosen === undefined) return fallback;
  if (typeof chosen === 'string') return { ...fallback, filename: chosen };
  return chosen;
}

/** `/srv/www/` → `/srv/www`, so that root + `/x.php` has one slash (`/` stays `''`). */
export function normalizeRoot(root: string): string {
  return root.replace(/\/+$/, '');
}
