import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ParamList } from '@gw/core';
import type { NodeRequestListener } from '@gw/node-http';
import { AppObserver } from './app-observer.js';
import { patternBytes } from './body-pattern.js';
import { type EchoRequest, echoOptions, echoResponse } from './echo-app.js';

// Pattern bodies go out in slices of this size, each a res.write that may see backpressure.
const SLICE = 64 * 1024;

/** The echo app as a node:http request listener, and what it saw. */
export interface EchoListenerApp {
  readonly name: string;
  readonly observer: AppObserver;
  readonly listener: NodeRequestListener;
}

/**
 * What the listener reads from `req.gateway` (the gw server's own request object): the CGI
 * variables as the server decoded them, and protocol details worth echoing. Optional, so the
 * listener also runs on a plain http.Server (it then echoes no variables).
 */
interface GatewayView {
  params?: ParamList;
  requestId?: number;
  keepConn?: boolean;
  scgiMarkerMissing?: boolean;
  modifier1?: number;
  modifier2?: number;
}

/**
 * The echo app (echo-app.ts) as an application would be written for node:http, served by any of
 * the three gw servers through `createServer(listener)`: it hashes the body from the `req`
 * stream, answers with `res.writeHead` / `res.write` (waiting for 'drain'), and records an abort
 * when `res` closes before it finished. The JSON echo's variables come from `req.gateway.params`.
 */
export function createEchoListener(protocol: string, observer: AppObserver = new AppObserver()): EchoListenerApp {
  return {
    name: `echo (${protocol}, node:http listener)`,
    observer,
    listener: (req, res) => serveEcho(req, res, protocol, observer),
  };
}

function serveEcho(req: IncomingMessage, res: ServerResponse, protocol: string, observer: AppObserver): void {
  const gateway = (req as IncomingMessage & { gateway?: GatewayView }).gateway ?? {};
  const vars = gateway.params?.toArray() ?? [];
  const transport: Record<string, unknown> = { protocol };
  for (const key of ['requestId', 'keepConn', 'scgiMarkerMissing', 'modifier1', 'modifier2'] as const) {
    if (gateway[key] !== undefined) transport[key] = gateway[key];
  }
  const echo: EchoRequest = { role: 'responder', vars, transport };
  const url = req.url ?? '';
  const varMap = Object.fromEntries(vars);
  const hash = createHash('sha256');
  let bodyBytes = 0;
  let sentBytes = 0;
  let responding = false;
  let done = false;
  const record = (kind: 'start' | 'end' | 'abort') => observer.record({ kind, url, role: 'responder', bodyBytes, sentBytes, vars: varMap });

  record('start');
  res.on('finish', () => {
    if (done) return;
    done = true;
    record('end');
  });
  res.on('close', () => {
    if (done) return;
    done = true;
    record('abort');
  });
  req.on('data', (chunk: Buffer) => {
    // After an early answer the digest is taken; later bytes are only counted.
    if (!responding) hash.update(chunk);
    bodyBytes += chunk.length;
    observer.recordBody(chunk.length);
  });
  const respond = () => {
    if (responding) return;
    responding = true;
    answer(echo, res, { length: bodyBytes, sha256: hash.digest('hex') }, (n) => (sentBytes = n)).catch((err: unknown) => res.destroy(err as Error));
  };
  req.on('end', respond);
  // ?early=1: answer before the body has arrived (the server discards the rest of it).
  if (echoOptions(echo).early) setImmediate(respond);
}

async function answer(echo: EchoRequest, res: ServerResponse, body: { length: number; sha256: string }, sent: (bytes: number) => void): Promise<void> {
  const plan = echoResponse(echo, body);
  if (plan.delayMs > 0) await sleep(plan.delayMs);
  if (res.destroyed) return;
  // Repeated names (Set-Cookie) stay separate fields: a flat [name, value, …] list.
  res.writeHead(plan.status, plan.headers.flat());
  if (Buffer.isBuffer(plan.body)) {
    sent(plan.body.length);
    res.end(plan.body);
    return;
  }
  const size = plan.body.patternSize;
  for (let at = 0; at < size; at += SLICE) {
    const slice = patternBytes(at, Math.min(SLICE, size - at));
    sent(at + slice.length);
    if (!res.write(slice)) {
      await drainOrClose(res);
      if (res.destroyed) return; // aborted while waiting
    }
  }
  res.end();
}

/** Resolves on 'drain' or 'close', whichever comes first, leaving no listener behind. */
function drainOrClose(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
