/**
 * Drives Node's own HTTP/1.1 parser (llhttp, via the `HTTPParser` binding that node:http uses)
 * directly, with no sockets, IncomingMessage objects or streams, so its cost is the parse alone.
 *
 * On Node 20 the binding is reachable as `require('node:_http_common').HTTPParser` (the same class
 * `_http_server.js` uses). `initialize(type, resource, maxHeaderSize, lenientFlags)` readies it for
 * a connection; `execute(buf)` parses and calls back synchronously:
 * - `kOnHeadersComplete(major, minor, headers, method, url, …)` with `headers` as a flat
 *   `[name, value, …]` array of strings built in C++ (so llhttp's figure includes making strings);
 * - `kOnHeaders(headers, url)` only when a request has more than 32 headers (flushes; not here);
 * - `kOnMessageComplete()` at the end of each message. Pipelined requests in one buffer are all
 *   parsed in one `execute`.
 */
import { createRequire } from 'node:module';

interface NodeHttpParser {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(data: Buffer): number | Error;
  [callback: number]: ((...args: never[]) => unknown) | undefined;
}
interface NodeHttpParserClass {
  new (): NodeHttpParser;
  readonly REQUEST: number;
  readonly kOnHeaders: number;
  readonly kOnHeadersComplete: number;
  readonly kOnBody: number;
  readonly kOnMessageComplete: number;
  readonly kOnExecute: number;
  readonly kLenientNone: number;
}

const requireCjs = createRequire(import.meta.url);
const { HTTPParser } = requireCjs('node:_http_common') as { HTTPParser: NodeHttpParserClass };

/** One llhttp parser and the counts of what it parsed since the last `reset`. */
export class LlhttpDriver {
  readonly #parser = new HTTPParser();
  messages = 0;
  headerFields = 0;
  urlBytes = 0;
  /** Headers of the first message since `reset` (for verification). */
  firstHeaders: string[] | undefined;
  firstUrl: string | undefined;

  constructor() {
    const p = this.#parser;
    p[HTTPParser.kOnHeaders] = () => {
      throw new Error('llhttp flushed headers early: the fixture has more than 32 headers');
    };
    p[HTTPParser.kOnHeadersComplete] = ((_major: number, _minor: number, headers: string[], _method: number, url: string) => {
      this.headerFields += headers.length;
      this.urlBytes += url.length;
      if (this.firstHeaders === undefined) {
        this.firstHeaders = headers;
        this.firstUrl = url;
      }
      return 0;
    }) as never;
    p[HTTPParser.kOnBody] = () => undefined;
    p[HTTPParser.kOnMessageComplete] = () => {
      this.messages++;
    };
    p[HTTPParser.kOnExecute] = () => undefined;
    this.reset();
  }

  /** Readies the parser for a new connection (node:http does this per socket) and zeroes counts. */
  reset(): void {
    this.#parser.initialize(HTTPParser.REQUEST, {}, 0, HTTPParser.kLenientNone);
    this.messages = 0;
    this.headerFields = 0;
    this.urlBytes = 0;
    this.firstHeaders = undefined;
    this.firstUrl = undefined;
  }

  /** Parses one chunk; throws on a parse error (the fixtures are valid, so that is a bench bug). */
  push(chunk: Buffer): void {
    const r = this.#parser.execute(chunk);
    if (r instanceof Error) throw r;
  }
}
