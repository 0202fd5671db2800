/**
 * uwsgi modifier1 values: the packet type, which in uWSGI selects the plugin that handles it.
 * Numbers are those of the plugins' `.modifier1` fields in unbit/uwsgi (protocols.md §3.3), which
 * differ from the stale table in the uWSGI docs for 26–28.
 */
export const Modifier1 = {
  /** WSGI (Python) request: nginx's default and the only value Apache mod_proxy_uwsgi sends. */
  WSGI: 0,
  /** PSGI (Perl). */
  PSGI: 5,
  /** Lua / WSAPI. */
  LUA: 6,
  /** Rack (Ruby). */
  RACK: 7,
  /** JVM (JWSGI / Ring). */
  JVM: 8,
  /** uWSGI CGI plugin. */
  CGI: 9,
  /** Management request (the action is in modifier2). */
  MANAGE: 10,
  /** gccgo. */
  GCCGO: 11,
  /** uWSGI PHP plugin. */
  PHP: 14,
  /** Mono / ASP.NET. */
  MONO: 15,
  /** Spooler request. */
  SPOOLER: 17,
  /** symcall plugin. */
  SYMCALL: 18,
  /** Server-side includes. */
  SSI: 19,
  /** Raw code evaluation (modifier2 picks the interpreter). */
  EVAL: 22,
  /** XSLT. */
  XSLT: 23,
  /** V8 JavaScript. */
  V8: 24,
  /** GridFS. */
  GRIDFS: 25,
  /** fastfuncs (the docs say 27; the source says 26). */
  FASTFUNC: 26,
  /** GlusterFS (the docs say 26; the source says 27). */
  GLUSTERFS: 27,
  /** RADOS. */
  RADOS: 28,
  /**
   * Legacy WSGI variant that strips SCRIPT_NAME from PATH_INFO (nginx `uwsgi_modifier1 30`;
   * uWSGI calls it a hack and recommends `--manage-script-name`).
   */
  WSGI_MANAGE_PATH_INFO: 30,
  /** WebDAV. */
  WEBDAV: 35,
  /** SNMP. */
  SNMP: 48,
  /** Ping (modifier2 0) / pong (modifier2 1). */
  PING: 100,
  /** Echo. */
  ECHO: 101,
  /** Signal (modifier2 is the signal number). */
  SIGNAL: 110,
  /** Cache operations (modifier2: 0 read, 1 write, 2 delete, 3 dict). */
  CACHE: 111,
  /** RPC (modifier2 1 = raw). */
  RPC: 173,
  /** Close mark for persistent connections. */
  PERSISTENT_CLOSE: 200,
  /** Subscription packet. */
  SUBSCRIPTION: 224,
  /** Generic response. */
  RESPONSE: 255,
} as const;
export type Modifier1 = (typeof Modifier1)[keyof typeof Modifier1];

const namesByValue = new Map<number, string>(Object.entries(Modifier1).map(([name, value]) => [value, name]));

/** The `Modifier1` key for a modifier1 value (e.g. `'PSGI'` for 5), or undefined when unnamed. */
export function modifier1Name(modifier1: number): string | undefined {
  return namesByValue.get(modifier1);
}

/**
 * What an application server should do with a packet, by its modifier1:
 * - `'serve'`: a plain CGI-vars request (0, WSGI);
 * - `'serve-strip-script-name'`: 30, served after removing SCRIPT_NAME from the front of PATH_INFO;
 * - `'refuse'`: anything else. uWSGI logs "unavailable modifier requested" and drops the
 *   connection for a modifier it has no plugin for (nginx then answers 502).
 */
export type ModifierDisposition = 'serve' | 'serve-strip-script-name' | 'refuse';

/**
 * The default modifier policy of gw's uwsgi server (protocols.md §6 #75): the codec reports every
 * modifier and never judges it; the server calls this to decide.
 */
export function defaultModifierDisposition(modifier1: number): ModifierDisposition {
  if (modifier1 === Modifier1.WSGI) return 'serve';
  if (modifier1 === Modifier1.WSGI_MANAGE_PATH_INFO) return 'serve-strip-script-name';
  return 'refuse';
}
