export {
  FCGI_VERSION_1,
  FLAG_KEEP_CONN,
  HEADER_LENGTH,
  isManagementType,
  isStreamType,
  ManagementVariable,
  MAX_ALIGNED_CONTENT,
  MAX_CONTENT_LENGTH,
  MAX_REQUEST_ID,
  MAX_TYPE,
  NULL_REQUEST_ID,
  ProtocolStatus,
  protocolStatusName,
  RecordType,
  Role,
  recordTypeName,
  roleName,
} from './constants.js';
export { FastCgiErrorCode } from './error-codes.js';
export {
  type EncodeParamsOptions,
  encodeGetValues,
  encodeGetValuesResult,
  encodePairs,
  encodeParams,
  type PairPart,
  type PairSource,
} from './name-value-encoder.js';
export { type PairLimits, PairStreamParser } from './name-value-decoder.js';
export {
  RECORD_DECODER_LIMITS,
  RecordDecoder,
  type RecordDecoderHandler,
  type RecordDecoderOptions,
  type RecordHeader,
  ResolvedRecordDecoderOptions,
} from './record-decoder.js';
export {
  encodeAbortRequest,
  encodeBeginRequest,
  encodeEndRequest,
  encodeStream,
  encodeStreamEnd,
  encodeUnknownType,
  frameStream,
  measureStream,
  writeStreamInto,
} from './record-encoder.js';
export { paddingFor } from './record-header.js';
export { createServer, FastCgiRequest, FastCgiServer, type FastCgiServerLimits, type FastCgiServerOptions, type RoleName, SERVER_LIMITS } from './server/index.js';
export { FastCgiServerErrorCode } from './error-codes.js';
export {
  type BodySource,
  createClient,
  FASTCGI_TIMEOUT_CODES,
  FastCgiClient,
  FastCgiClientError,
  FastCgiClientErrorCode,
  type FastCgiClientOptions,
  type FastCgiClientSettings,
  type FastCgiClientStats,
  type FastCgiClientTimeouts,
  type FastCgiParams,
  type FastCgiRequestEnd,
  type FastCgiRequestHandle,
  type FastCgiRequestOptions,
  type FastCgiResponse,
  type FastCgiResponseHandler,
  type FastCgiRoleOption,
  type FastCgiUpstream,
} from './client/index.js';
