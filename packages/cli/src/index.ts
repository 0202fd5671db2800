// @gw/cli: the `gw` command, and the inspection models it prints (also used by the test-vector runner).
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
