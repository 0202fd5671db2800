import type { ParamList } from '@gw/core';
import { type ResponseChannel, SingleRequest } from '@gw/core';

/**
 * One uwsgi request, and the sink its response is written to. `headFormat` is `'http'`: the
 * adapter writes an HTTP/1.x status line first, which is what uWSGI itself answers and the only
 * thing Apache mod_proxy_uwsgi accepts (anything else is a 502; protocols.md §3.4-3.5).
 */
export class UwsgiRequest extends SingleRequest {
  readonly headFormat = 'http' as const;
  /** The packet type (0 for a plain request; see `Modifier1`). */
  readonly modifier1: number;
  /** The packet sub-type (0 for a plain request). */
  readonly modifier2: number;

  /**
   * @param params the vars as the adapter must see them: for modifier1 30, PATH_INFO has its
   *   SCRIPT_NAME prefix removed already
   */
  constructor(channel: ResponseChannel, params: ParamList, contentLength: number, modifier1: number, modifier2: number) {
    super(channel, params, contentLength);
    this.modifier1 = modifier1;
    this.modifier2 = modifier2;
  }
}
