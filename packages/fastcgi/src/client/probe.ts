import type { ParamList } from '@gw/core';
import { ManagementVariable } from '../constants.js';
import { encodeGetValues } from '../name-value-encoder.js';
import { RecordDecoder } from '../record-decoder.js';
import type { FastCgiUpstream } from './client-options.js';
import { type ConnectFailure, connectUpstream } from '@gw/core';

/** What an application said about itself in GET_VALUES_RESULT (spec §4.1); absent = not answered. */
export interface AppCapabilities {
  maxConns?: number;
  maxReqs?: number;
  multiplex?: boolean;
}

/** Result of a probe: the capabilities, or why the upstream could not even be reached. */
export type ProbeResult = { ok: true; capabilities: AppCapabilities } | { ok: false; failure: ConnectFailure };

/**
 * Asks the application for FCGI_MAX_CONNS, FCGI_MAX_REQS and FCGI_MPXS_CONNS on a connection of
 * its own. php-fpm only reads GET_VALUES before a request and closes the connection after
 * answering (protocols.md §1.6), so the probe never shares a connection with requests.
 *
 * An app that answers nothing, closes, or sends something else within `timeoutMs` yields empty
 * capabilities (the pool's defaults apply); only a failed connect is a failure.
 */
export function probeApplication(upstream: FastCgiUpstream, connectTimeoutMs: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | null = null;
    const finish = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      if (timer !== null) clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const answerless = () => finish({ ok: true, capabilities: {} });
    const decoder = new RecordDecoder({
      onGetValuesResult: (values) => finish({ ok: true, capabilities: readCapabilities(values) }),
      onError: answerless,
    });
    const socket = connectUpstream(upstream, connectTimeoutMs, (failure) => {
      if (failure !== null) return finish({ ok: false, failure });
      timer = setTimeout(answerless, timeoutMs);
      socket.on('data', (chunk: Buffer) => decoder.push(chunk));
      socket.on('end', answerless);
      socket.on('close', answerless);
      socket.on('error', answerless);
      socket.write(encodeGetValues([ManagementVariable.MAX_CONNS, ManagementVariable.MAX_REQS, ManagementVariable.MPXS_CONNS]));
    });
  });
}

/** Reads the three standard variables; values that are not plain positive decimals are ignored. */
export function readCapabilities(values: ParamList): AppCapabilities {
  const out: AppCapabilities = {};
  const maxConns = positiveInteger(values.get(ManagementVariable.MAX_CONNS));
  const maxReqs = positiveInteger(values.get(ManagementVariable.MAX_REQS));
  const mpxs = values.get(ManagementVariable.MPXS_CONNS);
  if (maxConns !== undefined) out.maxConns = maxConns;
  if (maxReqs !== undefined) out.maxReqs = maxReqs;
  if (mpxs === '0' || mpxs === '1') out.multiplex = mpxs === '1';
  return out;
}

function positiveInteger(text: string | undefined): number | undefined {
  if (text === undefined || !/^[0-9]{1,9}$/.test(text)) return undefined;
  const n = Number(text);
  return n > 0 ? n : undefined;
}
