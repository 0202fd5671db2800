import fc from 'fast-check';
import { encodeBeginRequest, encodeEndRequest, encodeGetValues, encodeParams, encodeStream, encodeStreamEnd, RecordType } from '../src/index.js';

const T = RecordType;

/** Names/values as latin1 strings, biased to the 127/128 length boundary now and then. */
export const latin1String = fc.oneof(
  { weight: 5, arbitrary: fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 40 }) },
  { weight: 1, arbitrary: fc.integer({ min: 120, max: 300 }).map((n) => 'L'.repeat(n)) },
);

export const pairList = fc.array(fc.tuple(latin1String, latin1String), { maxLength: 30 });

/** One request's records as a list of encoded pieces, in a valid order. */
const requestRecords = (id: number) =>
  fc
    .record({
      keepConn: fc.boolean(),
      pairs: pairList,
      maxRecordContent: fc.constantFrom(8, 16, 64, 65528),
      stdin: fc.uint8Array({ maxLength: 300 }),
      stdout: fc.uint8Array({ maxLength: 300 }),
      appStatus: fc.integer({ min: 0, max: 0xffffffff }),
    })
    .map((r) => {
      const out: Buffer[] = [encodeBeginRequest(id, 1, r.keepConn)];
      // Pairs longer than the chosen record size cannot be encoded: fall back to the largest.
      let params: Buffer;
      try {
        params = encodeParams(id, r.pairs, { maxRecordContent: r.maxRecordContent });
      } catch {
        params = encodeParams(id, r.pairs);
      }
      out.push(params);
      if (r.stdin.length > 0) out.push(encodeStream(T.STDIN, id, r.stdin));
      out.push(encodeStreamEnd(T.STDIN, id));
      if (r.stdout.length > 0) out.push(encodeStream(T.STDOUT, id, r.stdout));
      out.push(encodeStreamEnd(T.STDOUT, id), encodeEndRequest(id, r.appStatus, 0));
      return out;
    });

/** A valid connection's bytes: a few requests (ids 1..3) plus a GET_VALUES now and then. */
export const validStream = fc
  .tuple(fc.array(fc.integer({ min: 1, max: 65535 }), { minLength: 1, maxLength: 3 }), fc.boolean())
  .chain(([ids, mgmt]) => fc.tuple(...ids.map((id) => requestRecords(id))).map((reqs) => ({ reqs, mgmt })))
  .map(({ reqs, mgmt }) => {
    const parts = reqs.flat();
    if (mgmt) parts.splice(1, 0, encodeGetValues(['FCGI_MAX_CONNS', 'FCGI_MPXS_CONNS']));
    return Buffer.concat(parts);
  });

/** Cut points for a buffer of length n. */
export const cutsFor = (n: number) => fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, n - 1) }), { maxLength: 12 });
