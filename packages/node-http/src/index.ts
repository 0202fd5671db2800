export { BAD_REQUEST, type CgiRequest, readCgiRequest } from './cgi-request.js';
export { type CgiHeaders, readCgiHeaders } from './cgi-headers.js';
export { createDispatcher, type Dispatcher, type DispatchOptions, dispatch, type GatewayHandler } from './dispatch.js';
export { FetchExchange, type FetchContext, type FetchHandler } from './fetch-adapter.js';
export { GatewayIncomingMessage } from './incoming-message.js';
export { NodeExchange, type NodeRequestListener } from './node-adapter.js';
export { GatewayServerResponse } from './server-response.js';
export { GatewaySocket } from './gateway-socket.js';
export type { Exchange, HeadFormat, ResponseSink } from './sink.js';
