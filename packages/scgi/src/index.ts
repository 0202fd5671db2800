export { ScgiErrorCode } from './constants.js';
export { type ScgiDecoderOptions, type ScgiMode, SCGI_DECODER_LIMITS } from './options.js';
export { ScgiRequestDecoder, type ScgiRequestHandler } from './request-decoder.js';
export { encodeScgiRequest, type ScgiHeaderField, type ScgiHeaders } from './request-encoder.js';
export {
  createServer,
  SCGI_SERVER_LIMITS,
  ScgiRequest,
  ScgiServer,
  ScgiServerErrorCode,
  type ScgiServerLimits,
  type ScgiServerOptions,
} from './server/index.js';
export {
  createClient,
  SCGI_TIMEOUT_CODES,
  ScgiClient,
  ScgiClientError,
  ScgiClientErrorCode,
  type ScgiClientOptions,
  type ScgiParams,
  type ScgiRequestOptions,
  type ScgiResponse,
  type ScgiUpstream,
  type StreamBody as ScgiBody,
  type StreamRequestEnd as ScgiRequestEnd,
} from './client/index.js';
