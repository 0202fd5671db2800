export { type BodySource } from './body-source.js';
export { createClient, FastCgiClient, type FastCgiClientStats, type FastCgiRequestOptions, type FastCgiRoleOption } from './client.js';
export { FASTCGI_TIMEOUT_CODES, FastCgiClientError, FastCgiClientErrorCode } from './client-errors.js';
export { type FastCgiClientOptions, type FastCgiClientSettings, type FastCgiClientTimeouts, type FastCgiUpstream } from './client-options.js';
export { type FastCgiRequestEnd, type FastCgiResponse } from './client-response.js';
export { type FastCgiParams } from './request-params.js';
