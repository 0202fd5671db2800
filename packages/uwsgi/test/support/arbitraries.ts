/** fast-check arbitraries for uwsgi requests, shared by the property tests and the fuzz targets. */
import fc from 'fast-check';
import { ByteBuilder } from '@gw/test-utils';
import { varsBlock } from './fixtures.js';

const toBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.length);

const COMMON_NAMES = [
  'REQUEST_METHOD',
  'REQUEST_URI',
  'QUERY_STRING',
  'PATH_INFO',
  'SCRIPT_NAME',
  'SERVER_PROTOCOL',
  'HTTP_HOST',
  'HTTP_COOKIE',
  'CONTENT_TYPE',
  'content_length',
  'CONTENT_LENGT',
];

/** A var name that is never exactly CONTENT_LENGTH (the request arbitrary places that one itself). */
export const varName: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom(...COMMON_NAMES).map((s) => Buffer.from(s, 'latin1')),
  fc.uint8Array({ minLength: 1, maxLength: 40 }).map(toBuffer).filter((b) => b.toString('latin1') !== 'CONTENT_LENGTH'),
);

/** Any value bytes, empty included. */
export const varValue: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom('', 'GET', '/', 'HTTP/1.1').map((s) => Buffer.from(s, 'latin1')),
  fc.uint8Array({ maxLength: 120 }).map(toBuffer),
);

export interface ArbRequest {
  vars: [Buffer, Buffer][];
  modifier1: number;
  modifier2: number;
  body: Buffer;
}

/**
 * A valid request: vars (with CONTENT_LENGTH inserted at a random place when there is a body, or
 * sometimes as "" / "0" without one), modifiers and body. Its block stays well under 65535 bytes.
 */
export const request: fc.Arbitrary<ArbRequest> = fc
  .record({
    vars: fc.array(fc.tuple(varName, varValue), { maxLength: 20 }),
    modifier1: fc.integer({ min: 0, max: 255 }),
    modifier2: fc.integer({ min: 0, max: 255 }),
    body: fc.uint8Array({ maxLength: 300 }).map(toBuffer),
    clAt: fc.nat(),
    emptyCl: fc.constantFrom(undefined, '', '0'),
  })
  .map(({ vars, modifier1, modifier2, body, clAt, emptyCl }) => {
    const cl = body.length > 0 ? String(body.length) : emptyCl;
    const out = [...vars];
    if (cl !== undefined) out.splice(clAt % (out.length + 1), 0, [Buffer.from('CONTENT_LENGTH'), Buffer.from(cl)]);
    return { vars: out, modifier1, modifier2, body };
  });

/** The request's bytes on the wire, built by hand (not with the encoder under test). */
export function requestBytes(r: ArbRequest, extra: Uint8Array = new Uint8Array(0)): Buffer {
  const block = varsBlock(r.vars);
  return new ByteBuilder().u8(r.modifier1).u16le(block.length).u8(r.modifier2).bytes(block).bytes(r.body).bytes(extra).build();
}

/** Cut points for an input of `length` bytes (deduplicated and sorted by splitAt). */
export const cuts = (length: number): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: 1, max: Math.max(1, length - 1) }), { maxLength: 8 });

/** A valid request's bytes with some trailing bytes. */
export const wireRequest: fc.Arbitrary<Buffer> = fc
  .tuple(request, fc.uint8Array({ maxLength: 8 }))
  .map(([r, extra]) => requestBytes(r, extra));

export interface Mutation {
  kind: 'set' | 'insert' | 'delete' | 'truncate';
  at: number;
  byte: number;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('set', 'set', 'set', 'insert', 'delete', 'truncate'),
  // Mutations near the start hit the header and the first length fields more often.
  at: fc.oneof(fc.integer({ min: 0, max: 8 }), fc.nat()),
  byte: fc.oneof(fc.constantFrom(0x00, 0xff, 0x01, 0x10, 0x30, 0x39), fc.integer({ min: 0, max: 255 })),
});

function mutate(input: Buffer, mutations: readonly Mutation[]): Buffer {
  const bytes = [...input];
  for (const m of mutations) {
    const at = bytes.length === 0 ? 0 : m.at % (bytes.length + (m.kind === 'insert' ? 1 : 0));
    if (m.kind === 'set' && at < bytes.length) bytes[at] = m.byte;
    else if (m.kind === 'insert') bytes.splice(at, 0, m.byte);
    else if (m.kind === 'delete') bytes.splice(at, 1);
    else if (m.kind === 'truncate') bytes.length = at;
  }
  return Buffer.from(bytes);
}

/** A valid request with a few bytes set, inserted, deleted or cut off. */
export const mutatedRequest: fc.Arbitrary<Buffer> = fc
  .tuple(wireRequest, fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([input, mutations]) => mutate(input, mutations));

/** Bytes with no structure at all, sometimes with a plausible small header in front. */
export const arbitraryBytes: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map(toBuffer),
  fc
    .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 300 }), fc.uint8Array({ maxLength: 300 }))
    .map(([m1, size, rest]) => new ByteBuilder().u8(m1).u16le(size).u8(0).bytes(rest).build()),
);

/** Decoder options worth varying: the default, tight limits, and the widest. */
export const decoderOptions = fc.constantFrom(
  undefined,
  { maxVarsBytes: 65535 },
  { maxVarsBytes: 0 },
  { maxVarsBytes: 32, maxVars: 2 },
  { maxVarsBytes: 300, maxVars: 5 },
  { maxVars: 0 },
);

/**
 * A request whose CONTENT_LENGTH may be malformed ("", "-1", "1e3", huge, random bytes) and whose
 * body may be shorter or longer than it says: exercises the body states that byte mutations
 * rarely reach.
 */
export const oddBodyRequest: fc.Arbitrary<Buffer> = fc
  .record({
    r: request,
    cl: fc.oneof(
      fc.nat({ max: 400 }).map(String),
      fc.constantFrom('', '-1', '1e3', ' 5', '5 ', '+5', '0x10', '9007199254740991', '9007199254740992', '00000000000000000000007'),
      fc.stringMatching(/^[0-9]{0,25}$/),
      fc.string({ unit: 'binary', maxLength: 6 }),
    ),
    bodyLength: fc.nat({ max: 400 }),
  })
  .map(({ r, cl, bodyLength }) => {
    const vars = r.vars.filter(([k]) => k.toString('latin1') !== 'CONTENT_LENGTH');
    vars.push([Buffer.from('CONTENT_LENGTH'), Buffer.from(cl, 'latin1')]);
    return requestBytes({ ...r, vars, body: Buffer.alloc(bodyLength, 0x62) });
  });
