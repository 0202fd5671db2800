export { buildCgiParams, type CgiParamsInput, type ScriptTarget } from './cgi-params.js';
export { ProxyError, ProxyErrorCode } from './errors.js';
export { headerParams } from './header-params.js';
export { createProxyHandler, type ProxyHandler, type ProxyHandlerOptions } from './proxy-handler.js';
export { parseRequestPath, type RequestPath } from './request-path.js';
export type { ScriptResolver } from './script-target.js';
export { type ProxyRoute, type RunningProxy, type StartProxyOptions, startProxy } from './start-proxy.js';
export type { ProxyTimeouts, UpstreamClient, UpstreamHandle, UpstreamHandler, UpstreamHead, UpstreamRequest } from './upstream-client.js';
export { parseUpstream, type UpstreamAddress, type UpstreamScheme } from './upstream-url.js';
