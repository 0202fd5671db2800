export { createClient, ScgiClient, type ScgiClientOptions, type ScgiParams, type ScgiRequestOptions, type ScgiResponse, type ScgiUpstream } from './client.js';
export { SCGI_TIMEOUT_CODES, ScgiClientError, ScgiClientErrorCode } from './client-errors.js';
export type { StreamBody, StreamRequestEnd } from '@gw/core';
