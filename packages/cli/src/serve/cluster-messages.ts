import type { ServerProtocol, ServerSettings } from './gateway-server.js';

/**
 * The IPC vocabulary between the cluster primary and its workers. Every message carries `gw` so
 * it cannot be mistaken for one the application sends with `process.send`.
 */

/** Environment variable through which a worker receives its {@link WorkerConfig}. */
export const WORKER_CONFIG_ENV = 'GW_SERVE_WORKER_CONFIG';

/** What a worker needs, decided once by the primary. */
export interface WorkerConfig {
  app: string;
  protocol: ServerProtocol;
  server: ServerSettings;
  shutdownTimeout: number;
  maxRequests: number | undefined;
  quiet: boolean;
}

/** Worker → primary. */
export type WorkerMessage =
  /** The application is loaded: the worker takes connections. */
  | { gw: 'ready'; kind: string }
  /** Reply to a 'connection': taken (the primary closes its copy), or refused (draining: handed to another worker). */
  | { gw: 'accepted'; id: number; accepted: boolean }
  /** The worker stopped taking connections (it is draining after a signal of its own). */
  | { gw: 'draining' }
  /** The worker cannot start (a ServeError); it exits with status 2 right after. */
  | { gw: 'fatal'; code: string; message: string }
  /** The worker served --max-requests requests and asks to be replaced. */
  | { gw: 'retire'; requests: number };

/** Primary → worker. */
export type PrimaryMessage =
  /** Comes with an accepted socket as the send handle; answer with 'accepted'. */
  | { gw: 'connection'; id: number }
  /** Stop taking connections, finish requests in flight (within the shutdown timeout), exit 0. */
  | { gw: 'shutdown' };

/** True for a message of ours (not one the application sent). */
export function isGwMessage(message: unknown): message is { gw: string } {
  return typeof message === 'object' && message !== null && typeof (message as { gw?: unknown }).gw === 'string';
}
