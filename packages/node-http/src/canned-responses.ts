import { encodeCgiHead, encodeHttpHead } from '@gw/core';
import type { HeadFormat } from './sink.js';

/**
 * Complete responses the adapter sends on its own: 400 for a request the CGI variables cannot
 * describe, 500 for a handler that failed before sending anything. Built once; the sink must
 * treat them as read-only (they are shared by every such response).
 */
function build(format: HeadFormat, status: number, text: string): Buffer {
  const body = Buffer.from(text, 'latin1');
  const fields: [string, string][] = [
    ['Content-Type', 'text/plain; charset=utf-8'],
    ['Content-Length', String(body.length)],
  ];
  const head = format === 'cgi' ? encodeCgiHead(status, text, fields) : encodeHttpHead('1.1', status, text, fields);
  return Buffer.concat([head, body]);
}

const CANNED = {
  cgi: { 400: build('cgi', 400, 'Bad Request'), 500: build('cgi', 500, 'Internal Server Error') },
  http: { 400: build('http', 400, 'Bad Request'), 500: build('http', 500, 'Internal Server Error') },
} as const;

/** The canned `status` response (head and body) in `format`. */
export function cannedResponse(format: HeadFormat, status: 400 | 500): Buffer {
  return CANNED[format][status];
}
