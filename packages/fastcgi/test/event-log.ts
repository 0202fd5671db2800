import type { GatewayError, ParamList } from '@gw/core';
import { RecordDecoder, type RecordDecoderOptions, type RecordHeader, type ResolvedRecordDecoderOptions } from '../src/index.js';

/** Decoder events in a comparable form; stream pieces of one run are merged per record. */
export type Event =
  | ['record', RecordHeader, number]
  | ['begin', number, number, number]
  | ['abort', number]
  | ['end', number, number, number]
  | ['params', number, [string, string][]]
  | ['stream', number, number, string]
  | ['streamEnd', number, number]
  | ['getValues', [string, string][]]
  | ['getValuesResult', [string, string][]]
  | ['unknownType', number]
  | ['unknownRecord', number, number, string]
  | ['error', string, number | undefined];

export interface Decoded {
  events: Event[];
  error: GatewayError | undefined;
  decoder: RecordDecoder;
  /** Every stream piece as received, before merging (to check zero-copy). */
  pieces: Buffer[];
}

/** Feeds the chunks to a fresh decoder and records its events, merging adjacent stream pieces. */
export function decode(chunks: readonly Buffer[], options?: RecordDecoderOptions | ResolvedRecordDecoderOptions, withRecords = true): Decoded {
  const events: Event[] = [];
  const pieces: Buffer[] = [];
  let error: GatewayError | undefined;
  const pairs = (p: ParamList) => p.toArray();
  const decoder = new RecordDecoder(
    {
      onRecord: withRecords ? (h, off) => events.push(['record', h, off]) : undefined,
      onBeginRequest: (id, role, flags) => events.push(['begin', id, role, flags]),
      onAbortRequest: (id) => events.push(['abort', id]),
      onEndRequest: (id, app, proto) => events.push(['end', id, app, proto]),
      onParams: (id, p) => events.push(['params', id, pairs(p)]),
      onStream: (id, type, chunk) => {
        pieces.push(chunk);
        const last = events[events.length - 1];
        if (last && last[0] === 'stream' && last[1] === id && last[2] === type) last[3] += chunk.toString('hex');
        else events.push(['stream', id, type, chunk.toString('hex')]);
      },
      onStreamEnd: (id, type) => events.push(['streamEnd', id, type]),
      onGetValues: (p) => events.push(['getValues', pairs(p)]),
      onGetValuesResult: (p) => events.push(['getValuesResult', pairs(p)]),
      onUnknownType: (t) => events.push(['unknownType', t]),
      onUnknownRecord: (h, content) => events.push(['unknownRecord', h.type, h.requestId, content.toString('hex')]),
      onError: (err) => {
        if (error) throw new Error('onError called twice');
        error = err;
        events.push(['error', err.code, err.offset]);
      },
    },
    options,
  );
  for (const c of chunks) decoder.push(c);
  decoder.end();
  return { events, error, decoder, pieces };
}
