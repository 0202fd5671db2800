/**
 * Codes of the errors that stop `gw serve` before or while it starts. Each is printed on stderr as
 * `gw serve[PID]: error CODE: message` and ends the process with status 2 (like a usage error:
 * the command as given cannot run).
 */
export const ServeErrorCode = {
  /** APP names no file. */
  MODULE_NOT_FOUND: 'GW_ERR_SERVE_MODULE_NOT_FOUND',
  /** Importing APP threw (syntax error, a missing dependency of its own, a throwing top level). */
  MODULE_FAILED: 'GW_ERR_SERVE_MODULE_FAILED',
  /** APP's export is none of the application shapes gw serves. */
  BAD_EXPORT: 'GW_ERR_SERVE_BAD_EXPORT',
  /** The TCP address is taken, or a unix socket path has a live listener. */
  ADDRESS_IN_USE: 'GW_ERR_SERVE_ADDRESS_IN_USE',
  /** The unix socket path exists and is not a socket: gw will not delete a regular file. */
  NOT_A_SOCKET: 'GW_ERR_SERVE_NOT_A_SOCKET',
  /** Any other listen failure (EACCES, EADDRNOTAVAIL, an fd that is not a listening socket). */
  LISTEN_FAILED: 'GW_ERR_SERVE_LISTEN_FAILED',
  /** The pidfile names a running process, or cannot be written. */
  PIDFILE: 'GW_ERR_SERVE_PIDFILE',
  /** A worker exited before it was serving, without saying why. */
  WORKER_FAILED: 'GW_ERR_SERVE_WORKER_FAILED',
} as const;

/** Exit status of a ServeError. */
export const EXIT_SERVE_ERROR = 2;

/** A reason `gw serve` cannot run as asked; carries one of {@link ServeErrorCode}. */
export class ServeError extends Error {
  override name = 'ServeError';
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
