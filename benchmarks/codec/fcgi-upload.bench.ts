/**
 * Benchmark 1: a 16 MiB STDIN body in 65535-byte records (padded to 8 like nginx), pushed in
 * 64 KiB chunks. Rates are "effective" bytes/s: bytes pushed ÷ time.
 *
 * Anchors: the header-walk limit (reads only headers, hands out views) and plain copies of the
 * same bytes (memcpy into a reused buffer; `Buffer.concat`). Target: gw ≥ 0.5 × header-walk.
 */
import { RecordDecoder, RecordType } from '@gw/fastcgi';
import { HeaderWalker } from './anchors/header-walk.js';
import { decodeWithFastcgiStream } from './anchors/fastcgi-stream-driver.js';
import { CHUNK_SIZE, cut, fcgiUpload } from './fixtures.js';
import { type BenchCase, check, finish, runSuite } from './harness.js';

const BODY_BYTES = 16 * 1024 * 1024;
const RECORD_CONTENT = 65535;

const { stream, records } = fcgiUpload(BODY_BYTES, RECORD_CONTENT);
const chunks = cut(stream, CHUNK_SIZE);
const units = stream.length;
const copyTarget = Buffer.allocUnsafe(units);

/** Byte `k` of the body, as fcgiUpload fills it. */
function bodyByte(k: number): number {
  return k & 0xff;
}

function gwDecode(onChunk?: (chunk: Buffer) => void): { bytes: number; ends: number; failed: boolean } {
  let bytes = 0;
  let ends = 0;
  let failed = false;
  const decoder = new RecordDecoder({
    onStream(_id, type, chunk) {
      if (type === RecordType.STDIN) bytes += chunk.length;
      onChunk?.(chunk);
    },
    onStreamEnd() {
      ends++;
    },
    onError() {
      failed = true;
    },
  });
  for (const c of chunks) decoder.push(c);
  decoder.end();
  return { bytes, ends, failed };
}

const cases: BenchCase[] = [
  {
    name: 'header-walk (limit)',
    units,
    run() {
      const w = new HeaderWalker();
      for (const c of chunks) w.push(c);
      return w.viewBytes;
    },
    verify() {
      const w = new HeaderWalker();
      for (const c of chunks) w.push(c);
      check(w.viewBytes === BODY_BYTES + 8, `walked ${w.viewBytes} content bytes`);
      check(w.records === records, `walked ${w.records} records, expected ${records}`);
    },
  },
  {
    name: 'copy into one buffer',
    units,
    run() {
      let at = 0;
      for (const c of chunks) at += c.copy(copyTarget, at);
      return at;
    },
    note: 'memcpy of every chunk into one preallocated 16 MiB buffer (what a decoder that gathers records would pay at least)',
  },
  {
    name: 'Buffer.concat',
    units,
    run: () => Buffer.concat(chunks, units).length,
    note: 'allocates a fresh 16 MiB buffer per op: page faults and GC of external memory dominate',
  },
  {
    name: 'gw RecordDecoder',
    units,
    run: () => gwDecode().bytes,
    verify() {
      let k = 0;
      let mismatch = -1;
      const r = gwDecode((chunk) => {
        for (let i = 0; i < chunk.length && mismatch < 0; i++) if (chunk[i] !== bodyByte(k + i)) mismatch = k + i;
        k += chunk.length;
      });
      check(!r.failed, 'decoder reported an error');
      check(r.bytes === BODY_BYTES, `gw delivered ${r.bytes} STDIN bytes`);
      check(mismatch < 0, `gw delivered a wrong byte at body offset ${mismatch}`);
      check(r.ends === 1, `gw reported ${r.ends} stream ends`);
    },
  },
  {
    name: 'fastcgi-stream',
    units,
    run: () => decodeWithFastcgiStream(chunks).stdinBytes,
    verify() {
      const t = decodeWithFastcgiStream(chunks);
      check(t.stdinBytes === BODY_BYTES, `fastcgi-stream delivered ${t.stdinBytes} STDIN bytes`);
      check(t.stdinEnds === 1, `fastcgi-stream saw ${t.stdinEnds} stream ends`);
    },
    note: 'copies every record body twice (BufferList.take joins, StdIn.read copies)',
  },
];

runSuite(
  {
    title: 'FastCGI upload: 16 MiB STDIN in 65535-byte records, 64 KiB chunks',
    description: `${units} bytes pushed (${records} records, ${chunks.length} chunks of ≤ ${CHUNK_SIZE} bytes). Rates are bytes pushed per second.`,
    unit: 'B',
    anchors: ['header-walk (limit)', 'copy into one buffer', 'fastcgi-stream'],
    targets: [{ subject: 'gw RecordDecoder', anchor: 'header-walk (limit)', min: 0.5 }],
  },
  cases,
);
finish();
