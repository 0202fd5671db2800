/**
 * Benchmark 3: encoding. (a) The REQUEST_COUNT nginx-shaped requests of benchmark 2, as a web
 * server's FastCGI client writes them: BEGIN_REQUEST, the PARAMS records with their terminator,
 * the empty STDIN. (b) A 1 MiB STDOUT response plus its empty terminator.
 *
 * gw's output is checked by a naive reader (fcgi-reader.ts), not by gw's decoder. The anchor is
 * fastcgi-stream's writer (`writeRecord` with its record classes) into a socket stand-in that
 * collects buffers; for (b) also plain copies of the payload.
 */
import { encodeBeginRequest, encodeParams, encodeStream, encodeStreamEnd, frameStream, RecordType, Role } from '@gw/fastcgi';
import { CollectingSocket, FastCGIStream, FcgiRecords } from './anchors/fastcgi-stream-driver.js';
import { readPairs, readRecords, samePairs } from './fcgi-reader.js';
import { nginxParams, type Pair, REQUEST_COUNT } from './fixtures.js';
import { type BenchCase, check, finish, runSuite } from './harness.js';

const REQUEST_ID = 1;
const pairsOf: Pair[][] = Array.from({ length: REQUEST_COUNT }, (_, i) => nginxParams(i));

/** Checks that `bytes` is request `i`: BEGIN (RESPONDER, KEEP_CONN), PARAMS…, empty PARAMS, empty STDIN. */
function checkRequestBytes(bytes: Buffer, i: number, who: string): void {
  const records = readRecords(bytes);
  const types = records.map((r) => r.type);
  check(types.join(',') === '1,4,4,5', `${who}: record types ${types.join(',')}`);
  check(records.every((r) => r.version === 1 && r.requestId === REQUEST_ID), `${who}: bad version or request id`);
  const begin = records[0]?.content;
  check(begin?.length === 8 && begin.readUInt16BE(0) === Role.RESPONDER && begin[2] === 1, `${who}: bad BEGIN_REQUEST body`);
  check(samePairs(readPairs(records[1]?.content ?? Buffer.alloc(0)), pairsOf[i] as Pair[]), `${who}: PARAMS differ from the fixture`);
  check(records[2]?.content.length === 0 && records[3]?.content.length === 0, `${who}: terminators not empty`);
}

const gwOut: Buffer[] = [];
function gwEncodeRequests(): number {
  gwOut.length = 0;
  let bytes = 0;
  for (let i = 0; i < REQUEST_COUNT; i++) {
    const begin = encodeBeginRequest(REQUEST_ID, Role.RESPONDER, true);
    const params = encodeParams(REQUEST_ID, pairsOf[i] as Pair[]);
    const stdinEnd = encodeStreamEnd(RecordType.STDIN, REQUEST_ID);
    gwOut.push(begin, params, stdinEnd);
    bytes += begin.length + params.length + stdinEnd.length;
  }
  return bytes;
}

const socket = new CollectingSocket();
const writer = new FastCGIStream(socket);
function fastcgiStreamEncodeRequests(): number {
  socket.reset();
  for (let i = 0; i < REQUEST_COUNT; i++) {
    writer.writeRecord(REQUEST_ID, new FcgiRecords.BeginRequest(Role.RESPONDER, 1));
    writer.writeRecord(REQUEST_ID, new FcgiRecords.Params(pairsOf[i] as [string, string][]));
    writer.writeRecord(REQUEST_ID, new FcgiRecords.Params([]));
    writer.writeRecord(REQUEST_ID, new FcgiRecords.StdIn());
  }
  return socket.bytes;
}

const requestCases: BenchCase[] = [
  {
    name: 'gw encodeBeginRequest + encodeParams + encodeStreamEnd',
    units: REQUEST_COUNT,
    run: gwEncodeRequests,
    verify() {
      gwEncodeRequests();
      for (const i of [0, REQUEST_COUNT - 1]) checkRequestBytes(Buffer.concat(gwOut.slice(3 * i, 3 * i + 3)), i, 'gw');
    },
  },
  {
    name: 'fastcgi-stream writeRecord',
    units: REQUEST_COUNT,
    run: fastcgiStreamEncodeRequests,
    verify() {
      fastcgiStreamEncodeRequests();
      for (const i of [0, REQUEST_COUNT - 1]) checkRequestBytes(Buffer.concat(socket.written.slice(4 * i, 4 * i + 4)), i, 'fastcgi-stream');
    },
    note: 'one allocation per record; pads content to `length % 8` (a bug, but the records stay parseable)',
  },
];

runSuite(
  {
    title: `FastCGI encode: ${REQUEST_COUNT} nginx-shaped requests`,
    description: `Input: each request’s ${pairsOf[0]?.length} pairs as \`[name, value]\` string arrays (what a proxy has after reading an HTTP request).`,
    unit: 'req',
    anchors: ['fastcgi-stream writeRecord'],
  },
  requestCases,
);

const RESPONSE_BYTES = 1024 * 1024;
const payload = Buffer.alloc(RESPONSE_BYTES);
for (let k = 0; k < RESPONSE_BYTES; k++) payload[k] = (k * 31) & 0xff;
const copyTarget = Buffer.allocUnsafe(RESPONSE_BYTES);
/** Record content size both writers use: the largest multiple of 8 that fits a record. */
const RECORD_CONTENT = 65528;

/** Checks a STDOUT stream: all records STDOUT id 1, the content is `payload`, the last one empty. */
function checkResponseBytes(bytes: Buffer, who: string): void {
  const records = readRecords(bytes);
  check(records.every((r) => r.type === RecordType.STDOUT && r.requestId === REQUEST_ID), `${who}: not all STDOUT records of id 1`);
  check(records.at(-1)?.content.length === 0, `${who}: no empty STDOUT terminator`);
  check(Buffer.concat(records.map((r) => r.content)).equals(payload), `${who}: STDOUT content differs from the payload`);
}

let framed: Buffer[] = [];
function gwFrame(): number {
  framed = frameStream(RecordType.STDOUT, REQUEST_ID, payload, []);
  framed.push(encodeStreamEnd(RecordType.STDOUT, REQUEST_ID));
  return framed.length;
}

function fastcgiStreamResponse(): number {
  socket.reset();
  for (let at = 0; at < RESPONSE_BYTES; at += RECORD_CONTENT) {
    writer.writeRecord(REQUEST_ID, new FcgiRecords.StdOut(payload.subarray(at, at + RECORD_CONTENT)));
  }
  writer.writeRecord(REQUEST_ID, new FcgiRecords.StdOut());
  return socket.bytes;
}

const responseCases: BenchCase[] = [
  {
    name: 'copy into one buffer',
    units: RESPONSE_BYTES,
    run: () => payload.copy(copyTarget, 0),
    note: 'memcpy of the payload into a preallocated buffer',
  },
  {
    name: 'Buffer.from(payload)',
    units: RESPONSE_BYTES,
    run: () => Buffer.from(payload).length,
    note: 'allocate + copy: the least an encoder that returns one buffer must do',
  },
  {
    name: 'gw frameStream + encodeStreamEnd (views)',
    units: RESPONSE_BYTES,
    run: gwFrame,
    verify() {
      gwFrame();
      checkResponseBytes(Buffer.concat(framed), 'gw frameStream');
    },
  },
  {
    name: 'gw encodeStream(…, terminate) (one buffer)',
    units: RESPONSE_BYTES,
    run: () => encodeStream(RecordType.STDOUT, REQUEST_ID, payload, true).length,
    verify: () => checkResponseBytes(encodeStream(RecordType.STDOUT, REQUEST_ID, payload, true), 'gw encodeStream'),
  },
  {
    name: 'fastcgi-stream writeRecord',
    units: RESPONSE_BYTES,
    run: fastcgiStreamResponse,
    verify() {
      fastcgiStreamResponse();
      checkResponseBytes(Buffer.concat(socket.written), 'fastcgi-stream');
    },
    note: `the caller cuts the payload into ${RECORD_CONTENT}-byte StdOut records; each record is one new buffer with the content copied in`,
  },
];

runSuite(
  {
    title: 'FastCGI encode: 1 MiB STDOUT response',
    description: `${RESPONSE_BYTES} payload bytes in ${Math.ceil(RESPONSE_BYTES / RECORD_CONTENT)} records + the empty terminator. Rates are payload bytes per second.`,
    unit: 'B',
    anchors: ['copy into one buffer', 'fastcgi-stream writeRecord'],
  },
  responseCases,
);
finish();
