export { ScgiErrorCode } from './constants.js';
export { type ScgiDecoderOptions, type ScgiMode, SCGI_DECODER_LIMITS } from './options.js';
export { ScgiRequestDecoder, type ScgiRequestHandler } from './request-decoder.js';
export { encodeScgiRequest, type ScgiHeaderField, type ScgiHeaders } from './request-encoder.js';
