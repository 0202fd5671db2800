/**
 * Benchmark 4: SCGI and uwsgi decoding of the same REQUEST_COUNT nginx-shaped requests (the same
 * pairs as the FastCGI PARAMS; SCGI puts CONTENT_LENGTH=0 first and adds SCGI=1), one request
 * per chunk. Both protocols carry one request per connection, so every request gets a new decoder,
 * as a server would create per accepted socket.
 *
 * Anchor: the llhttp figure of benchmark 2(b) (one kept-alive parser, one request per chunk), and
 * llhttp re-initialised per request (the per-connection cost node:http pays). gw's FastCGI decoder
 * on the same requests is listed for comparison.
 */
import type { ParamList } from '@gw/core';
import { RecordDecoder } from '@gw/fastcgi';
import { ScgiRequestDecoder } from '@gw/scgi';
import { UwsgiRequestDecoder } from '@gw/uwsgi';
import { fcgiRequest, nginxParams, type Pair, REQUEST_COUNT, requests, scgiPairs, scgiRequest, uwsgiRequest } from './fixtures.js';
import { type BenchCase, check, finish, runSuite, type Target } from './harness.js';
import { averageBytes, checkParams, httpRequests, llhttpCase } from './request-cases.js';

const scgiRequests = requests(scgiRequest);
const uwsgiRequests = requests(uwsgiRequest);
const fcgiRequests = requests(fcgiRequest);

/** What a decode pass saw: requests completed, pairs, and (when asked) the first and last lists. */
interface Tally {
  requests: number;
  pairs: number;
  failed: boolean;
  first: ParamList | undefined;
  last: ParamList | undefined;
}

function newTally(): Tally {
  return { requests: 0, pairs: 0, failed: false, first: undefined, last: undefined };
}

function take(t: Tally, params: ParamList, materialise: boolean, keep: boolean): void {
  t.requests++;
  t.pairs += materialise ? params.toArray().length : params.length;
  if (keep) {
    t.first ??= params;
    t.last = params;
  }
}

function scgiDecode(materialise: boolean, keep = false): Tally {
  const t = newTally();
  const handler = {
    onHeaders(headers: ParamList) {
      take(t, headers, materialise, keep);
    },
    onError() {
      t.failed = true;
    },
  };
  for (const chunk of scgiRequests) {
    const decoder = new ScgiRequestDecoder(handler);
    decoder.push(chunk);
    decoder.end();
  }
  return t;
}

function uwsgiDecode(materialise: boolean, keep = false): Tally {
  const t = newTally();
  const handler = {
    onRequest(_m1: number, _m2: number, vars: ParamList) {
      take(t, vars, materialise, keep);
    },
    onError() {
      t.failed = true;
    },
  };
  for (const chunk of uwsgiRequests) {
    const decoder = new UwsgiRequestDecoder(handler);
    decoder.push(chunk);
    decoder.end();
  }
  return t;
}

function fcgiDecode(materialise: boolean, keep = false): Tally {
  const t = newTally();
  const decoder = new RecordDecoder({
    onParams(_id, params) {
      take(t, params, materialise, keep);
    },
    onError() {
      t.failed = true;
    },
  });
  for (const chunk of fcgiRequests) decoder.push(chunk);
  decoder.end();
  return t;
}

function gwCase(name: string, decode: (materialise: boolean, keep?: boolean) => Tally, materialise: boolean, expected: (i: number) => Pair[]): BenchCase {
  return {
    name,
    units: REQUEST_COUNT,
    run: () => decode(materialise).pairs,
    verify() {
      const t = decode(materialise, true);
      check(!t.failed, `${name}: decoder reported an error`);
      check(t.requests === REQUEST_COUNT, `${name}: decoded ${t.requests} requests`);
      checkParams(t.first, expected(0), name);
      checkParams(t.last, expected(REQUEST_COUNT - 1), name);
    },
  };
}

const LLHTTP = 'node llhttp, kept-alive parser';
const SCGI = 'gw ScgiRequestDecoder (lazy)';
const SCGI_STRINGS = 'gw ScgiRequestDecoder + toArray()';
const UWSGI = 'gw UwsgiRequestDecoder (lazy)';
const UWSGI_STRINGS = 'gw UwsgiRequestDecoder + toArray()';
const targets: Target[] = [SCGI, SCGI_STRINGS, UWSGI, UWSGI_STRINGS].map((subject) => ({ subject, anchor: LLHTTP, min: 1, kind: 'aim' }));

runSuite(
  {
    title: `SCGI and uwsgi requests: ${REQUEST_COUNT} requests, one per chunk, a new decoder per request`,
    description: `SCGI ${averageBytes(scgiRequests)} B/request, uwsgi ${averageBytes(uwsgiRequests)} B/request, FastCGI ${averageBytes(fcgiRequests)} B/request, HTTP/1.1 ${averageBytes(httpRequests)} B/request.`,
    unit: 'req',
    anchors: [LLHTTP],
    targets,
  },
  [
    gwCase(SCGI, scgiDecode, false, scgiPairs),
    gwCase(SCGI_STRINGS, scgiDecode, true, scgiPairs),
    gwCase(UWSGI, uwsgiDecode, false, nginxParams),
    gwCase(UWSGI_STRINGS, uwsgiDecode, true, nginxParams),
    gwCase('gw FastCGI RecordDecoder (lazy, one decoder)', fcgiDecode, false, nginxParams),
    llhttpCase(LLHTTP, httpRequests),
    llhttpCase('node llhttp, re-initialised per request', httpRequests, true),
  ],
);
finish();
