export { EMPTY, ZERO_PADDING, firstNonLatin1, totalLength, view } from './bytes.js';
export { ChunkQueue } from './chunk-queue.js';
export {
  GatewayError,
  type GatewayErrorDetails,
  InvalidArgumentError,
  isGatewayError,
  LimitError,
  ProtocolError,
} from './errors.js';
export { type LimitSpec, type LimitSpecs, type Limits, resolveLimits } from './limits.js';
export { type NameMatcher, ParamList } from './param-list.js';
export { CgiErrorCode } from './response-head-errors.js';
export {
  type DecodedResponseHead,
  decodeResponseHead,
  type ResponseHead,
  type ResponseHeadAccept,
  ResponseHeadDecoder,
  type ResponseHeadDecoderOptions,
  type ResponseHeadKind,
} from './response-head.js';
export { encodeCgiHead, encodeHttpHead, type HeaderFieldValue, type ResponseHeaderFields } from './response-head-encoder.js';
export { isValidStatus, MAX_STATUS, MIN_STATUS, reasonPhrase } from './status-codes.js';
export { NULL_EXCHANGE, type RequestExchange, type RequestSink } from './exchange.js';
export { PeerAllowlist } from './peer-allowlist.js';
export { ReadSlab } from './read-slab.js';
export { type ChunkListener, type ReadPath, sharedReadOption, startReading } from './socket-reads.js';
export { type CannedStatus, cannedResponse } from './single-request/canned-response.js';
export { type ResponseChannel, SingleRequest } from './single-request/single-request.js';
export { SingleRequestConnection, type SingleRequestErrorCodes, type SingleRequestHost } from './single-request/single-request-connection.js';
export {
  resolveServerLimits,
  SINGLE_REQUEST_SERVER_LIMITS,
  type SingleRequestLimits,
  type SingleRequestServerLimits,
} from './single-request/single-request-limits.js';
export { SingleRequestServer, type SingleRequestServerErrorCodes, type SingleRequestServerOptions } from './single-request/single-request-server.js';
export {
  runStreamExchange,
  type StreamBody,
  type StreamErrorCodes,
  type StreamErrors,
  type StreamExchangeInput,
  type StreamRequestEnd,
  type StreamResponse,
} from './stream-client/stream-exchange.js';
export { type ConnectFailure, connectUpstream, describeUpstream, type StreamUpstream } from './stream-client/upstream-socket.js';
export {
  addUnlessGiven,
  type ClientPairPart,
  type ClientParams,
  type FlatClientParams,
  hasParam,
  isFlatParams,
  type PairArray,
  paramValue,
  toPairs,
} from './stream-client/client-params.js';
