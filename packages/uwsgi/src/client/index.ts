export { createClient, UwsgiClient, type UwsgiClientOptions, type UwsgiParams, type UwsgiRequestOptions, type UwsgiResponse, type UwsgiUpstream } from './client.js';
export { UWSGI_TIMEOUT_CODES, UwsgiClientError, UwsgiClientErrorCode } from './client-errors.js';
export type { StreamBody, StreamRequestEnd } from '@gw/core';
