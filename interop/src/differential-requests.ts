import { patternBytes } from './body-pattern.js';
import { type HttpResponse, httpRequest } from './http-client.js';

/** One request of the differential set, relative to an app's base. */
export interface DifferentialRequest {
  /** Test name. */
  name: string;
  method: 'GET' | 'HEAD' | 'POST';
  /** Path after the base, with its query. */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /**
   * Statuses the reference answer may have (a sanity check that the route exists and behaves:
   * both sides failing alike would otherwise compare equal).
   */
  expect: readonly number[];
}


/**
 * The request set sent to each app directly and through each front end: GET / HEAD, bodies
 * (JSON, invalid JSON, urlencoded, 200 KiB octet-stream), static files (whole and a Range),
 * sendFile, a redirect, cookies, 404s, a thrown error, and a large text with and without gzip.
 * (Range: express.static answers 206, the hand-written static routes of the others 200.)
 */
export const DIFFERENTIAL_REQUESTS: readonly DifferentialRequest[] = [
  { name: 'GET with a query', method: 'GET', path: '/hello?x=1&y=two%20words', expect: [200] },
  { name: 'HEAD', method: 'HEAD', path: '/hello?x=1', expect: [200] },
  { name: 'POST JSON', method: 'POST', path: '/json', headers: { 'Content-Type': 'application/json' }, body: Buffer.from('{"a":[1,2],"b":"c","é":true}'), expect: [200] },
  { name: 'POST invalid JSON (the framework’s 400)', method: 'POST', path: '/json', headers: { 'Content-Type': 'application/json' }, body: Buffer.from('{"a":'), expect: [400] },
  { name: 'POST urlencoded form', method: 'POST', path: '/form', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: Buffer.from('a=1&b=two+words&c=%C3%A9'), expect: [200] },
  { name: 'POST 200 KiB octet-stream', method: 'POST', path: '/raw', headers: { 'Content-Type': 'application/octet-stream' }, body: patternBytes(7, 200 * 1024), expect: [200] },
  { name: 'static file', method: 'GET', path: '/static/hello.txt', expect: [200] },
  { name: 'static file, Range bytes=2-9', method: 'GET', path: '/static/hello.txt', headers: { Range: 'bytes=2-9' }, expect: [200, 206] },
  { name: 'static file that does not exist', method: 'GET', path: '/static/missing.txt', expect: [404] },
  { name: 'sendFile', method: 'GET', path: '/file', expect: [200] },
  { name: 'redirect', method: 'GET', path: '/redirect', expect: [302] },
  { name: 'several Set-Cookie', method: 'GET', path: '/cookies', expect: [200] },
  { name: 'unknown route (404)', method: 'GET', path: '/no/such/route', expect: [404] },
  { name: 'thrown error', method: 'GET', path: '/boom', expect: [500] },
  { name: 'large text, Accept-Encoding: gzip', method: 'GET', path: '/big', headers: { 'Accept-Encoding': 'gzip, deflate' }, expect: [200] },
  { name: 'large text, no Accept-Encoding', method: 'GET', path: '/big', expect: [200] },
];

/** Sends one request of the set to `port` under `base` (a fresh connection, as http-client does). */
export function sendDifferentialRequest(port: number, base: string, request: DifferentialRequest): Promise<HttpResponse> {
  return httpRequest({ port, path: `${base}${request.path}`, method: request.method, headers: request.headers, body: request.body, timeoutMs: 15_000 });
}
