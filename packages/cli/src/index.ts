// @gw/cli: the `gw` command, the inspection models it prints (also used by the test-vector runner),
// and the pieces of `gw serve`.
export { main, EXIT_INTERNAL, EXIT_USAGE } from './main.js';
export type { CliIo } from './io.js';
export { UsageError } from './args.js';
export { formatJson } from './json.js';
export {
  type FastcgiInspection,
  FastcgiInspector,
  type FastcgiManagementSummary,
  type FastcgiRecordSummary,
  type FastcgiRequestSummary,
  inspectFastcgi,
  unexpectedRecordTypes,
} from './inspect/fastcgi.js';
export { type ScgiInspectOptions, type ScgiRequestInspection, ScgiRequestInspector, inspectScgiRequest, inspectScgiResponse } from './inspect/scgi.js';
export { type UwsgiRequestInspection, UwsgiRequestInspector, inspectUwsgiRequest, inspectUwsgiResponse } from './inspect/uwsgi.js';
export { type ResponseInspection, ResponseInspector, type ResponseSummary, inspectResponse } from './inspect/response.js';
export { type StreamSummary, StreamSummarizer, summarizeStream } from './inspect/stream-summary.js';
export { type InspectionError, toInspectionError } from './inspect/inspection-error.js';
export { type Direction, DIRECTIONS, type Protocol, PROTOCOLS } from './inspect/input.js';
export { createInspector, inspect, type Inspection, type InspectOptions, type Inspector } from './inspect/inspector.js';
export { runServe } from './serve/command.js';
export { parseServeArgs, type ParsedServeArgs, SERVE_PROTOCOLS, type ServeOptions, type ServeProtocol } from './serve/options.js';
export { ServeError, ServeErrorCode } from './serve/errors.js';
export { type LoadedApp, loadApp, resolveApp } from './serve/load-app.js';
export { DEFAULT_LISTEN, formatListenTarget, type ListenTarget, parseListenTarget } from './serve/listen-target.js';
export { isListeningSocket, type ResolvedListen, resolveListenTarget } from './serve/inherited-socket.js';
