/** A CGI response (RFC 3875 §6) as a CGI program or cgi-fcgi prints it. */
export interface CgiResponse {
  /** From the `Status:` header; 200 when absent (RFC 3875 §6.3.3). */
  status: number;
  /** Header names lower-cased; a repeated header keeps its last value. */
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * Splits a CGI response into head and body at the first blank line (CRLF CRLF, or LF LF as
 * RFC 3875 also allows). Throws when there is no blank line: that is not a CGI response.
 */
export function parseCgiResponse(raw: Buffer): CgiResponse {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  let headEnd: number;
  let bodyStart: number;
  if (crlf >= 0 && (lf < 0 || crlf < lf)) {
    headEnd = crlf;
    bodyStart = crlf + 4;
  } else if (lf >= 0) {
    headEnd = lf;
    bodyStart = lf + 2;
  } else {
    throw new Error(`not a CGI response (no blank line): ${JSON.stringify(raw.subarray(0, 200).toString('latin1'))}`);
  }
  const headers: Record<string, string> = {};
  for (const line of raw.subarray(0, headEnd).toString('latin1').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const status = Number.parseInt(headers.status ?? '200', 10);
  return { status, headers, body: raw.subarray(bodyStart) };
}
