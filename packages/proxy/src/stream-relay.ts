import type { Readable } from 'node:stream';
import { ProxyError, ProxyErrorCode } from './errors.js';
import type { UpstreamHandle, UpstreamHandler, UpstreamHead } from './upstream-client.js';

/** The response shape of the SCGI and uwsgi clients (promise + Readable body). */
interface StreamClientResponse extends UpstreamHead {
  body: Readable;
  ended: Promise<unknown>;
}

/**
 * Drives an UpstreamHandler from a promise-and-Readable client (SCGI, uwsgi: one connection per
 * request, so an AbortController and a stream per request cost little next to the connect).
 * `abort()` aborts the signal before the head and destroys the body after it; either way the
 * client closes the connection.
 */
export function relayStreamResponse(start: (signal: AbortSignal) => Promise<StreamClientResponse>, handler: UpstreamHandler): UpstreamHandle {
  const controller = new AbortController();
  let body: Readable | undefined;
  let settled = false;
  const error = (err: Error) => {
    if (settled) return;
    settled = true;
    handler.onError(err);
  };
  start(controller.signal).then(
    (response) => {
      if (settled) return void response.body.destroy();
      body = response.body;
      handler.onHead(response);
      if (settled) return void response.body.destroy(); // the head's receiver gave up (a 1xx status)
      // `ended` may resolve while body bytes still sit in the Readable: onEnd waits for both.
      let bodyEnded = false;
      let requestEnded = false;
      const finish = () => {
        if (settled || !bodyEnded || !requestEnded) return;
        settled = true;
        handler.onEnd();
      };
      response.body.on('data', (chunk: Buffer) => {
        if (!settled && !handler.onBody(chunk)) response.body.pause();
      });
      response.body.once('end', () => {
        bodyEnded = true;
        if (settled) return;
        handler.onBodyEnd();
        finish();
      });
      response.body.once('error', error);
      response.body.once('close', () => {
        if (!bodyEnded) error(new ProxyError(ProxyErrorCode.UPSTREAM_BODY_TRUNCATED, 'upstream body closed before its end', 502));
      });
      response.ended.then(
        () => {
          requestEnded = true;
          finish();
        },
        (err: Error) => error(err),
      );
    },
    (err: Error) => error(err),
  );
  return {
    abort() {
      if (body !== undefined) body.destroy();
      controller.abort();
    },
    resume() {
      body?.resume();
    },
  };
}
