/**
 * The request-decoding cases shared by the FastCGI, SCGI and uwsgi benchmarks: the fixtures of
 * REQUEST_COUNT nginx-shaped requests, and the llhttp anchor over the equivalent HTTP requests.
 */
import type { ParamList } from '@gw/core';
import { LlhttpDriver } from './anchors/llhttp-driver.js';
import { byteLength, httpRequest, nginxParams, type Pair, REQUEST_COUNT, requests } from './fixtures.js';
import { type BenchCase, check } from './harness.js';
import { samePairs } from './fcgi-reader.js';
import { socketRead } from './socket-read.js';

/** The HTTP/1.1 requests, one Buffer each. */
export const httpRequests = requests(httpRequest);

/** Average bytes per request of a list of per-request buffers (for table descriptions). */
export function averageBytes(perRequest: readonly Buffer[]): number {
  return Math.round(byteLength(perRequest) / perRequest.length);
}

/** The HTTP header lines of request `i` as llhttp reports them: a flat [name, value, …] list. */
function expectedHttpHeaders(i: number): string[] {
  const head = httpRequest(i).toString('latin1').split('\r\n').slice(1, -2);
  return head.flatMap((line) => {
    const colon = line.indexOf(': ');
    return [line.slice(0, colon), line.slice(colon + 2)];
  });
}

/**
 * llhttp over `chunks` of HTTP requests: one parser per op (a new connection), every request
 * parsed with its header strings built. `perRequestInit` re-initialises the parser before each
 * chunk, the cost node:http pays when every request arrives on a new connection. `copyReads`
 * (default false; not with `perRequestInit`) copies each chunk into a fresh buffer first, as
 * a socket read delivers it (socket-read.ts).
 */
export function llhttpCase(name: string, chunks: readonly Buffer[], perRequestInit = false, copyReads = false): BenchCase {
  const driver = new LlhttpDriver();
  if (perRequestInit && copyReads) throw new Error('llhttpCase: perRequestInit with copyReads is not implemented');
  const runCopying = (): number => {
    driver.reset();
    for (const c of chunks) driver.push(socketRead(c));
    return driver.headerFields + driver.messages;
  };
  const run = copyReads ? runCopying : (): number => {
    driver.reset();
    let fields = 0;
    for (const c of chunks) {
      if (perRequestInit) {
        fields += driver.headerFields;
        driver.reset();
      }
      driver.push(c);
    }
    return fields + driver.headerFields + driver.messages;
  };
  return {
    name,
    units: REQUEST_COUNT,
    run,
    verify() {
      driver.reset();
      let messages = 0;
      for (const c of chunks) {
        if (perRequestInit) {
          messages += driver.messages;
          driver.reset();
        }
        driver.push(copyReads ? socketRead(c) : c);
      }
      messages += driver.messages;
      check(messages === REQUEST_COUNT, `llhttp parsed ${messages} messages`);
      driver.reset();
      driver.push(copyReads ? socketRead(chunks[0] as Buffer) : (chunks[0] as Buffer));
      const expected = expectedHttpHeaders(0);
      const got = driver.firstHeaders ?? [];
      check(got.length === expected.length && got.every((h, k) => h === expected[k]), 'llhttp headers differ from the fixture');
      check(driver.firstUrl === '/catalog/item.php?id=0&page=2', `llhttp url ${driver.firstUrl}`);
    },
  };
}

/** Checks that a decoded ParamList holds exactly `expected`. */
export function checkParams(params: ParamList | undefined, expected: readonly Pair[], who: string): void {
  check(params !== undefined, `${who}: no params decoded`);
  check(samePairs(params.toArray(), expected), `${who}: params differ from the fixture`);
}

/** The nginx params of requests 0 and REQUEST_COUNT − 1 (what verifications compare against). */
export const firstParams = nginxParams(0);
export const lastParams = nginxParams(REQUEST_COUNT - 1);
