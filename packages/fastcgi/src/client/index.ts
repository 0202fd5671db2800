export type { BodySource } from './body-source.js';
export { createClient, FastCgiClient, type FastCgiClientStats } from './client.js';
export { FASTCGI_TIMEOUT_CODES, FastCgiClientError, FastCgiClientErrorCode } from './client-errors.js';
export type { FastCgiClientOptions, FastCgiClientSettings, FastCgiClientTimeouts, FastCgiUpstream } from './client-options.js';
export type { FastCgiRequestEnd, FastCgiRequestHandle, FastCgiResponse, FastCgiResponseHandler } from './client-response.js';
export type { FastCgiRequestOptions, FastCgiRoleOption } from './request-options.js';
export type { FastCgiParams } from './request-params.js';
