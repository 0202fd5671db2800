import type { AppEvent, AppObserver } from './app-observer.js';
import { type HttpResponse, httpRequest } from './http-client.js';
import { randomBody } from './test-requests.js';

/** A client that gave up mid-request, and what the app saw of it. */
export interface DisconnectOutcome {
  response: HttpResponse;
  /** The app's abort event for this URL, or null if none arrived within the wait. */
  abort: AppEvent | null;
  /** The app's end event for this URL (a response it completed anyway), or null. */
  end: AppEvent | null;
}

interface Common {
  /** Front-end HTTP port. */
  port: number;
  /** Unique request path (query included), so events can be told apart. */
  path: string;
  observer: AppObserver;
  /** How long to wait for the app to see the abort, ms. Default 10000. */
  waitMs?: number;
}

/**
 * Announces a `size`-byte upload (default 10 MiB), sends `afterBytes` (default 1 MiB), waits
 * until the app has received some of it, then disconnects — and waits for the app to see the abort.
 */
export async function disconnectMidUpload(options: Common & { size?: number; afterBytes?: number }): Promise<DisconnectOutcome> {
  const { observer } = options;
  const bodyBefore = observer.bodyBytes;
  const response = await httpRequest({
    port: options.port,
    path: options.path,
    body: randomBody(options.size ?? 10 * 1024 * 1024),
    abortUpload: { afterBytes: options.afterBytes ?? 1024 * 1024, when: () => observer.until(() => observer.bodyBytes > bodyBefore) },
  });
  return { response, ...(await outcome(options)) };
}

/**
 * Asks for a `size`-byte download (default 64 MiB, far more than socket buffers hold), reads
 * `afterBytes` (default 256 KiB), disconnects — and waits for the app to see the abort.
 * `path` must not have a query yet: `?size=` is appended.
 */
export async function disconnectMidDownload(options: Common & { size?: number; afterBytes?: number }): Promise<DisconnectOutcome> {
  const size = options.size ?? 64 * 1024 * 1024;
  const path = `${options.path}?size=${size}`;
  const response = await httpRequest({ port: options.port, path, keepBody: false, abortDownload: { afterBytes: options.afterBytes ?? 256 * 1024 } });
  return { response, ...(await outcome({ ...options, path })) };
}

async function outcome(options: Common): Promise<Omit<DisconnectOutcome, 'response'>> {
  const { observer, path } = options;
  const find = (kind: AppEvent['kind']) => observer.events.find((e) => e.kind === kind && e.url === path) ?? null;
  try {
    await observer.until(() => find('abort') !== null || find('end') !== null, options.waitMs ?? 10_000);
  } catch {
    // reported as abort: null
  }
  return { abort: find('abort'), end: find('end') };
}
