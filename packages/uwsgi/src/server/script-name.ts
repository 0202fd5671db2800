import { ParamList } from '@gw/core';

/**
 * The vars of a modifier1 30 request ("manage PATH_INFO", nginx `uwsgi_modifier1 30`): PATH_INFO
 * without its SCRIPT_NAME prefix, which is what uWSGI's WSGI plugin hands the application.
 *
 * uWSGI cuts `len(SCRIPT_NAME)` characters off PATH_INFO without looking at them; this only cuts
 * a real path prefix that ends at a segment boundary (`/app` off `/app` or `/app/x`, not off
 * `/application`), and leaves PATH_INFO alone otherwise. A trailing `/` of SCRIPT_NAME is not
 * part of the prefix, so the result keeps its leading `/`. Only the last PATH_INFO (the one
 * `get()` returns) is rewritten.
 *
 * @returns `vars` itself when nothing changes, else a new list (each pair copied; this legacy
 *   modifier is rare enough that the copy does not matter)
 */
export function stripScriptName(vars: ParamList): ParamList {
  const scriptName = vars.get('SCRIPT_NAME');
  const at = vars.lastIndexOf('PATH_INFO');
  if (scriptName === undefined || at < 0) return vars;
  const prefix = scriptName.endsWith('/') ? scriptName.slice(0, -1) : scriptName;
  const pathInfo = vars.value(at);
  if (prefix === '' || !pathInfo.startsWith(prefix)) return vars;
  if (pathInfo.length > prefix.length && pathInfo.charCodeAt(prefix.length) !== 0x2f /* / */) return vars;
  const pairs: [Buffer, Buffer][] = [];
  for (let i = 0; i < vars.length; i++) {
    const value = vars.valueBytes(i);
    // latin1 strings have one character per byte, so the prefix's length is its byte length.
    pairs.push([vars.nameBytes(i), i === at ? value.subarray(prefix.length) : value]);
  }
  return ParamList.from(pairs);
}
