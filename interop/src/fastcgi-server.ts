// The FastCGI application server API the interop harness uses, in one place (so a rename in
// @gw/fastcgi or @gw/core touches one file).
export type { RequestExchange } from '@gw/core';
export { createServer, type FastCgiRequest, FastCgiServer, type FastCgiServerOptions } from '@gw/fastcgi';
