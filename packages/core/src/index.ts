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
export { ParamList } from './param-list.js';
