/**
 * The error node:http destroys a request with when its client disconnects
 * (ConnResetException in node's internal/errors: message 'aborted', code 'ECONNRESET'), so code
 * written for node:http recognises it.
 */
export function connectionReset(): Error {
  const error = new Error('aborted') as Error & { code: string };
  error.code = 'ECONNRESET';
  return error;
}
