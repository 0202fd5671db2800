/** FastCGI 1.0 wire constants (spec §8, "Types and constants"). Multi-byte fields are big-endian. */

export const FCGI_VERSION_1 = 1;
/** Every record starts with an 8-byte header. */
export const HEADER_LENGTH = 8;
/** contentLength is a u16. */
export const MAX_CONTENT_LENGTH = 0xffff;
/**
 * Largest content an encoder puts in one record: a multiple of 8, so the record needs no padding
 * and content + padding stays ≤ 65535 (php-fpm drops the connection above that; PHP itself writes
 * 0xFFF8-byte records).
 */
export const MAX_ALIGNED_CONTENT = 0xfff8;
/** The null request id, used by management records. */
export const NULL_REQUEST_ID = 0;
/** Largest request id (a u16). */
export const MAX_REQUEST_ID = 0xffff;

/** Record types (spec §8). */
export const RecordType = {
  BEGIN_REQUEST: 1,
  ABORT_REQUEST: 2,
  END_REQUEST: 3,
  PARAMS: 4,
  STDIN: 5,
  STDOUT: 6,
  STDERR: 7,
  DATA: 8,
  GET_VALUES: 9,
  GET_VALUES_RESULT: 10,
  UNKNOWN_TYPE: 11,
} as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];
/** Highest type the spec defines; 0 and anything above are unknown types. */
export const MAX_TYPE = 11;

/** Roles in BEGIN_REQUEST. */
export const Role = {
  RESPONDER: 1,
  AUTHORIZER: 2,
  FILTER: 3,
} as const;
export type Role = (typeof Role)[keyof typeof Role];

/** BEGIN_REQUEST flags: bit 0 asks the application to keep the connection open. */
export const FLAG_KEEP_CONN = 1;

/** END_REQUEST protocolStatus values. */
export const ProtocolStatus = {
  REQUEST_COMPLETE: 0,
  CANT_MPX_CONN: 1,
  OVERLOADED: 2,
  UNKNOWN_ROLE: 3,
} as const;
export type ProtocolStatus = (typeof ProtocolStatus)[keyof typeof ProtocolStatus];

/** Names understood in GET_VALUES (spec §4.1). */
export const ManagementVariable = {
  MAX_CONNS: 'FCGI_MAX_CONNS',
  MAX_REQS: 'FCGI_MAX_REQS',
  MPXS_CONNS: 'FCGI_MPXS_CONNS',
} as const;

const typeNames = Object.fromEntries(Object.entries(RecordType).map(([k, v]) => [v, k])) as Record<number, string>;
const roleNames = Object.fromEntries(Object.entries(Role).map(([k, v]) => [v, k])) as Record<number, string>;
const statusNames = Object.fromEntries(Object.entries(ProtocolStatus).map(([k, v]) => [v, k])) as Record<number, string>;

/** Spec name of a record type (`BEGIN_REQUEST`), or `UNKNOWN_<n>` for a type the spec does not define. */
export function recordTypeName(type: number): string {
  return typeNames[type] ?? `UNKNOWN_${type}`;
}

/** Spec name of a role (`RESPONDER`), or `UNKNOWN_<n>`. */
export function roleName(role: number): string {
  return roleNames[role] ?? `UNKNOWN_${role}`;
}

/** Spec name of a protocol status (`REQUEST_COMPLETE`), or `UNKNOWN_<n>`. */
export function protocolStatusName(status: number): string {
  return statusNames[status] ?? `UNKNOWN_${status}`;
}

/** True for the types whose requestId must be 0 (spec §3.3: management records). */
export function isManagementType(type: number): boolean {
  return type === RecordType.GET_VALUES || type === RecordType.GET_VALUES_RESULT || type === RecordType.UNKNOWN_TYPE;
}

/** True for the stream types: their content is a byte stream ended by an empty record. */
export function isStreamType(type: number): boolean {
  return type === RecordType.PARAMS || type === RecordType.STDIN || type === RecordType.STDOUT || type === RecordType.STDERR || type === RecordType.DATA;
}
