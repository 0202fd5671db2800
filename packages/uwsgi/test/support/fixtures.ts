/**
 * uwsgi fixtures built by hand with ByteBuilder (u16le), sharing no code with the encoder under
 * test, so a fixture cannot repeat an encoder bug.
 */
import { ByteBuilder } from '@gw/test-utils';

export type RawVar = readonly [string | Uint8Array, string | Uint8Array];

function bytesOf(part: string | Uint8Array): Buffer {
  return typeof part === 'string' ? Buffer.from(part, 'latin1') : Buffer.from(part);
}

/** One pair: keyLen (u16 LE), key, valLen (u16 LE), value. */
export function uwsgiVar(key: string | Uint8Array, value: string | Uint8Array): Buffer {
  const k = bytesOf(key);
  const v = bytesOf(value);
  return new ByteBuilder().u16le(k.length).bytes(k).u16le(v.length).bytes(v).build();
}

/** A vars block: the pairs back to back. */
export function varsBlock(vars: readonly RawVar[]): Buffer {
  const b = new ByteBuilder();
  for (const [k, v] of vars) b.bytes(uwsgiVar(k, v));
  return b.build();
}

export interface PacketParts {
  modifier1?: number;
  modifier2?: number;
  /** Overrides the datasize field (default: the real block size). */
  datasize?: number;
  /** Bytes appended after the vars block (the body, and anything after it). */
  after?: Uint8Array | string;
}

/** A whole packet: header (datasize u16 LE) + vars block + whatever follows. */
export function uwsgiPacket(vars: readonly RawVar[] | Buffer, parts: PacketParts = {}): Buffer {
  const block = Buffer.isBuffer(vars) ? vars : varsBlock(vars);
  return new ByteBuilder()
    .u8(parts.modifier1 ?? 0)
    .u16le(parts.datasize ?? block.length)
    .u8(parts.modifier2 ?? 0)
    .bytes(block)
    .bytes(bytesOf(parts.after ?? ''))
    .build();
}

/** The example of protocols.md §3.2: `00 15 00 00 0e 00 "REQUEST_METHOD" 03 00 "GET"`. */
export const SPEC_EXAMPLE = new ByteBuilder().hex('00 15 00 00').hex('0e 00').str('REQUEST_METHOD').hex('03 00').str('GET').build();

/** A POST as nginx sends it with Debian's uwsgi_params and a browser-like set of headers. */
export const NGINX_BODY = Buffer.from('name=gw&proto=uwsgi&text=' + 'x'.repeat(40), 'latin1');
export const NGINX_VARS: readonly (readonly [string, string])[] = [
  ['QUERY_STRING', 'a=1&b=2'],
  ['REQUEST_METHOD', 'POST'],
  ['CONTENT_TYPE', 'application/x-www-form-urlencoded'],
  ['CONTENT_LENGTH', String(NGINX_BODY.length)],
  ['REQUEST_URI', '/app/form?a=1&b=2'],
  ['PATH_INFO', '/app/form'],
  ['DOCUMENT_ROOT', '/var/www/html'],
  ['SERVER_PROTOCOL', 'HTTP/1.1'],
  ['REQUEST_SCHEME', 'http'],
  ['REMOTE_ADDR', '127.0.0.1'],
  ['REMOTE_PORT', '51234'],
  ['SERVER_PORT', '8080'],
  ['SERVER_NAME', 'localhost'],
  ['HTTP_HOST', 'localhost:8080'],
  ['HTTP_USER_AGENT', 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'],
  ['HTTP_ACCEPT', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'],
  ['HTTP_ACCEPT_LANGUAGE', 'en-US,en;q=0.5'],
  ['HTTP_ACCEPT_ENCODING', 'gzip, deflate, br'],
  ['HTTP_CONTENT_TYPE', 'application/x-www-form-urlencoded'],
  ['HTTP_CONTENT_LENGTH', String(NGINX_BODY.length)],
  ['HTTP_ORIGIN', 'http://localhost:8080'],
  ['HTTP_CONNECTION', 'keep-alive'],
  ['HTTP_REFERER', 'http://localhost:8080/app/'],
  ['HTTP_COOKIE', 'session=abc123; theme=dark'],
  ['HTTP_UPGRADE_INSECURE_REQUESTS', '1'],
];
export const NGINX_PACKET = uwsgiPacket(NGINX_VARS, { after: NGINX_BODY });
