// The clients' params helpers live in @gw/core (shared with the SCGI and uwsgi clients).
import type { ClientParams } from '@gw/core';

export { addUnlessGiven, hasParam, type PairArray, paramValue, toPairs } from '@gw/core';

/**
 * CGI params of a client request: a plain object, a ParamList, or any iterable of `[name, value]`
 * (strings are latin1, one byte per character; Uint8Arrays are raw bytes).
 */
export type FastCgiParams = ClientParams;
