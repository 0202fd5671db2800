import type { ParamList } from '@gw/core';
import { type ResponseChannel, SingleRequest } from '@gw/core';

/**
 * One SCGI request, and the sink its response is written to (`headFormat` `'cgi'`: the adapter
 * writes `Status:` first, as nginx, Apache mod_proxy_scgi and lighttpd expect, protocols.md §5.3).
 * `params` are the request's headers (CGI variables) in wire order, CONTENT_LENGTH and SCGI
 * included.
 */
export class ScgiRequest extends SingleRequest {
  readonly headFormat = 'cgi' as const;
  /**
   * True when the request had no `SCGI: 1` header (served in lenient mode: nginx without
   * `include scgi_params` sends none). The server also emits 'warning' once.
   */
  readonly scgiMarkerMissing: boolean;

  constructor(channel: ResponseChannel, params: ParamList, contentLength: number, scgiMarkerMissing: boolean) {
    super(channel, params, contentLength);
    this.scgiMarkerMissing = scgiMarkerMissing;
  }
}
