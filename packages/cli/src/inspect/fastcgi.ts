import type { ParamList } from '@gw/core';
import {
  FLAG_KEEP_CONN,
  HEADER_LENGTH,
  type RecordHeader,
  RecordDecoder,
  type RecordDecoderOptions,
  RecordType,
  protocolStatusName,
  recordTypeName,
  roleName,
} from '@gw/fastcgi';
import { type InspectionError, toInspectionError } from './inspection-error.js';
import { asBuffer, type Direction } from './input.js';
import { type StreamSummary, StreamSummarizer } from './stream-summary.js';

/** One record header as `gw inspect` shows it. */
export interface FastcgiRecordSummary {
  type: number;
  /** Spec name (`BEGIN_REQUEST`), or `UNKNOWN_<n>` for types 0 and 12..255. */
  typeName: string;
  requestId: number;
  contentLength: number;
  paddingLength: number;
}

/** One request (one BEGIN_REQUEST, or the records of an id seen without one) and its streams. */
export interface FastcgiRequestSummary {
  requestId: number;
  /** `RESPONDER` / `AUTHORIZER` / `FILTER` / `UNKNOWN_<n>`; null when no BEGIN_REQUEST body was seen. */
  role: string | null;
  /** The KEEP_CONN flag; null when no BEGIN_REQUEST body was seen. */
  keepConn: boolean | null;
  /** PARAMS pairs, or null when no PARAMS stream was terminated. */
  params: [string, string][] | null;
  stdin: StreamSummary | null;
  data: StreamSummary | null;
  stdout: StreamSummary | null;
  stderr: StreamSummary | null;
  /** The END_REQUEST body, or null when none was seen. */
  end: { appStatus: number; protocolStatus: string } | null;
}

/** A management record's body (requestId 0). */
export interface FastcgiManagementSummary {
  /** `GET_VALUES`, `GET_VALUES_RESULT` or `UNKNOWN_TYPE`. */
  typeName: string;
  pairs: [string, string][];
  /** Only on `UNKNOWN_TYPE`: the record type the sender did not understand. */
  unknownType?: number;
}

/** What `gw inspect --protocol fastcgi` prints for one connection's bytes in one direction. */
export interface FastcgiInspection {
  protocol: 'fastcgi';
  /** Every record header, in wire order (also those of the unexpected direction or of unknown type). */
  records: FastcgiRecordSummary[];
  /** Requests in the order they started. */
  requests: FastcgiRequestSummary[];
  management: FastcgiManagementSummary[];
  /** Bytes after the end of the last complete, successfully decoded record. */
  trailingBytes: number;
  error: InspectionError | null;
}

/**
 * Decoder limits for inspection: a debugging tool should show what a peer sent, however large,
 * so every size limit is set far above what a server would accept (the 16-bit record format
 * already bounds each record). Memory stays bounded by the input file.
 */
const PERMISSIVE_LIMITS: RecordDecoderOptions = {
  maxParamsBytes: 256 * 1024 * 1024,
  maxParamsPairs: 1024 * 1024,
  maxNameLength: 256 * 1024 * 1024,
  maxValueLength: 256 * 1024 * 1024,
  maxOpenParamsStreams: 65535,
};

/** Record types each sender writes (spec §8 table; §1.2 of docs/protocols.md). */
const SENT_TO_APP: ReadonlySet<number> = new Set([
  RecordType.BEGIN_REQUEST,
  RecordType.ABORT_REQUEST,
  RecordType.PARAMS,
  RecordType.STDIN,
  RecordType.DATA,
  RecordType.GET_VALUES,
]);
const SENT_TO_SERVER: ReadonlySet<number> = new Set([
  RecordType.END_REQUEST,
  RecordType.STDOUT,
  RecordType.STDERR,
  RecordType.GET_VALUES_RESULT,
  RecordType.UNKNOWN_TYPE,
]);

type StreamKey = 'stdin' | 'data' | 'stdout' | 'stderr';

const STREAM_KEYS: Readonly<Record<number, StreamKey>> = {
  [RecordType.STDIN]: 'stdin',
  [RecordType.DATA]: 'data',
  [RecordType.STDOUT]: 'stdout',
  [RecordType.STDERR]: 'stderr',
};

/** A request under construction: the JSON fields plus running hashes of its streams. */
class RequestBuilder {
  readonly requestId: number;
  role: string | null = null;
  keepConn: boolean | null = null;
  params: [string, string][] | null = null;
  end: FastcgiRequestSummary['end'] = null;
  readonly streams = new Map<StreamKey, StreamSummarizer>();

  constructor(requestId: number) {
    this.requestId = requestId;
  }

  stream(type: number): StreamSummarizer | undefined {
    const key = STREAM_KEYS[type];
    if (key === undefined) return undefined;
    let s = this.streams.get(key);
    if (s === undefined) {
      s = new StreamSummarizer();
      this.streams.set(key, s);
    }
    return s;
  }

  toJSON(): FastcgiRequestSummary {
    const summary = (key: StreamKey) => this.streams.get(key)?.summary() ?? null;
    return {
      requestId: this.requestId,
      role: this.role,
      keepConn: this.keepConn,
      params: this.params,
      stdin: summary('stdin'),
      data: summary('data'),
      stdout: summary('stdout'),
      stderr: summary('stderr'),
      end: this.end,
    };
  }
}

/**
 * Builds a {@link FastcgiInspection} from the bytes of one direction of one connection, pushed in
 * any chunking. Both directions' record types are decoded; `direction` is not needed here (see
 * {@link unexpectedRecordTypes}).
 *
 * Request bookkeeping: a BEGIN_REQUEST always starts a new request entry for its id (a keep-conn
 * connection reuses ids, and a server-to-app capture has no END_REQUEST to close the old one). Any
 * other application record for an id with no open entry starts one with `role`/`keepConn` null
 * (an app-to-server capture has no BEGIN_REQUEST). END_REQUEST closes the entry.
 *
 * A record cut off by EOF is an error (`FCGI_ERR_TRUNCATED_RECORD`, from the decoder's `end()`):
 * a capture that stops mid-record lost bytes, and saying so beats a silent success. Its bytes are
 * also counted in `trailingBytes`.
 */
export class FastcgiInspector {
  readonly #decoder: RecordDecoder;
  readonly #records: FastcgiRecordSummary[] = [];
  readonly #requests: RequestBuilder[] = [];
  readonly #open = new Map<number, RequestBuilder>();
  readonly #management: FastcgiManagementSummary[] = [];
  #error: InspectionError | null = null;
  #bytesPushed = 0;
  /** End offset of the last record the decoder moved past. */
  #completeEnd = 0;
  /** End offset of the record whose header was seen last (complete or not). */
  #currentEnd = -1;
  #result: FastcgiInspection | null = null;

  /**
   * @param decoderOptions passed to the RecordDecoder over the permissive defaults (PARAMS up to
   *   256 MiB, 2^20 pairs, 65535 open PARAMS streams, `lenientVersion` false); for reproducing
   *   what a server with given limits would report.
   */
  constructor(decoderOptions: RecordDecoderOptions = {}) {
    this.#decoder = new RecordDecoder(
      {
        onRecord: (header, offset) => this.#onRecord(header, offset),
        onBeginRequest: (id, role, flags) => {
          const req = this.#entry(id);
          req.role = roleName(role);
          req.keepConn = (flags & FLAG_KEEP_CONN) !== 0;
        },
        onEndRequest: (id, appStatus, protocolStatus) => {
          this.#entry(id).end = { appStatus, protocolStatus: protocolStatusName(protocolStatus) };
          this.#open.delete(id);
        },
        onParams: (id, params) => {
          const req = this.#entry(id);
          req.params = (req.params ?? []).concat(params.toArray());
        },
        onStream: (id, type, chunk) => this.#entry(id).stream(type)?.update(chunk),
        onStreamEnd: (id, type) => this.#entry(id).stream(type)?.terminate(),
        onGetValues: (names) => this.#addManagement(RecordType.GET_VALUES, names),
        onGetValuesResult: (values) => this.#addManagement(RecordType.GET_VALUES_RESULT, values),
        onUnknownType: (unknownType) => {
          this.#management.push({ typeName: recordTypeName(RecordType.UNKNOWN_TYPE), pairs: [], unknownType });
        },
        onError: (err) => {
          this.#error = toInspectionError(err);
        },
      },
      { ...PERMISSIVE_LIMITS, ...decoderOptions },
    );
  }

  /** Feeds the next bytes of the connection. */
  push(chunk: Uint8Array): void {
    if (this.#result !== null) throw new Error('FastcgiInspector: push() after finish()');
    this.#bytesPushed += chunk.length;
    this.#decoder.push(asBuffer(chunk));
  }

  /** Marks EOF and returns the inspection. Later calls return the same object. */
  finish(): FastcgiInspection {
    if (this.#result !== null) return this.#result;
    this.#decoder.end();
    this.#result = {
      protocol: 'fastcgi',
      records: this.#records,
      requests: this.#requests.map((r) => r.toJSON()),
      management: this.#management,
      trailingBytes: this.#bytesPushed - this.#lastCompleteEnd(),
      error: this.#error,
    };
    return this.#result;
  }

  #onRecord(header: RecordHeader, offset: number): void {
    // The decoder only reports a header once it has finished the previous record.
    if (this.#currentEnd >= 0) this.#completeEnd = this.#currentEnd;
    this.#currentEnd = offset + HEADER_LENGTH + header.contentLength + header.paddingLength;
    this.#records.push({
      type: header.type,
      typeName: recordTypeName(header.type),
      requestId: header.requestId,
      contentLength: header.contentLength,
      paddingLength: header.paddingLength,
    });
    if (header.requestId === 0 || header.type < RecordType.BEGIN_REQUEST || header.type > RecordType.DATA) return;
    if (header.type === RecordType.BEGIN_REQUEST || !this.#open.has(header.requestId)) this.#startRequest(header.requestId);
  }

  /** The last record counts as complete if all its bytes arrived and decoding did not fail inside it. */
  #lastCompleteEnd(): number {
    const end = this.#currentEnd;
    if (end < 0 || end > this.#bytesPushed) return this.#completeEnd;
    if (this.#error !== null && (this.#error.offset === null || this.#error.offset < end)) return this.#completeEnd;
    return end;
  }

  #startRequest(id: number): RequestBuilder {
    const req = new RequestBuilder(id);
    this.#requests.push(req);
    this.#open.set(id, req);
    return req;
  }

  #entry(id: number): RequestBuilder {
    return this.#open.get(id) ?? this.#startRequest(id);
  }

  #addManagement(type: number, pairs: ParamList): void {
    this.#management.push({ typeName: recordTypeName(type), pairs: pairs.toArray() });
  }
}

/** Inspects a whole FastCGI byte stream given as chunks (see {@link FastcgiInspector}). */
export function inspectFastcgi(chunks: Iterable<Uint8Array>, decoderOptions?: RecordDecoderOptions): FastcgiInspection {
  const inspector = new FastcgiInspector(decoderOptions);
  for (const chunk of chunks) inspector.push(chunk);
  return inspector.finish();
}

/**
 * Names of the record types in `inspection` that the other side sends, e.g. `STDOUT` in a capture
 * declared `to-app`. They are decoded and listed like any other; this only lets the CLI warn that
 * the capture may be of the wrong direction. Unknown types are never reported.
 */
export function unexpectedRecordTypes(inspection: FastcgiInspection, direction: Direction): string[] {
  const other = direction === 'to-app' ? SENT_TO_SERVER : SENT_TO_APP;
  const names = new Set<string>();
  for (const r of inspection.records) if (other.has(r.type)) names.add(r.typeName);
  return [...names];
}
