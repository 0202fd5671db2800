export {
  DEFAULT_MAX_VARS,
  DEFAULT_MAX_VARS_BYTES,
  HEADER_LENGTH,
  MAX_VAR_LENGTH,
  MAX_VARS_BLOCK_SIZE,
} from './constants.js';
export { UwsgiErrorCode } from './error-codes.js';
export { UWSGI_DECODER_LIMITS, type UwsgiDecoderOptions } from './limits.js';
export { defaultModifierDisposition, Modifier1, modifier1Name, type ModifierDisposition } from './modifiers.js';
export { encodeUwsgiHeader } from './packet-header.js';
export { UwsgiRequestDecoder, type UwsgiRequestHandler } from './request-decoder.js';
export {
  encodeUwsgiRequest,
  type UwsgiEncodeOptions,
  type UwsgiVarPart,
  type UwsgiVarsInput,
} from './request-encoder.js';
export {
  createServer,
  type ModifierPolicy,
  stripScriptName,
  UWSGI_SERVER_LIMITS,
  UwsgiRequest,
  UwsgiServer,
  UwsgiServerErrorCode,
  type UwsgiServerLimits,
  type UwsgiServerOptions,
} from './server/index.js';
export {
  createClient,
  type StreamBody as UwsgiBody,
  type StreamRequestEnd as UwsgiRequestEnd,
  UWSGI_TIMEOUT_CODES,
  UwsgiClient,
  UwsgiClientError,
  UwsgiClientErrorCode,
  type UwsgiClientOptions,
  type UwsgiParams,
  type UwsgiRequestOptions,
  type UwsgiResponse,
  type UwsgiUpstream,
} from './client/index.js';
