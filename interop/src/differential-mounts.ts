import { createServer, type Server } from 'node:http';
import type { DifferentialApp, DifferentialAppFactory } from './differential-app.js';
import { type RunningGatewayApp, startGatewayApp } from './gateway-app.js';
import type { GatewayProtocol } from './gateway-servers.js';

/** One app kind over one protocol: its base, the reference server, and the gw server. */
export interface DifferentialMount {
  /** App name, e.g. "express". */
  kind: string;
  protocol: GatewayProtocol;
  /** `/<kind>-<protocol>`: the URL prefix the app's routes live under, and the front end routes. */
  base: string;
  app: DifferentialApp;
  /** The same app on http.createServer (127.0.0.1). */
  directPort: number;
  direct: Server;
  /** The gw server serving the app. */
  gateway: RunningGatewayApp;
}

/** `(kind, protocol)` pairs, known before anything starts (to name the tests). */
export function mountSpecs(kinds: readonly string[], protocols: readonly GatewayProtocol[]): Array<{ kind: string; protocol: GatewayProtocol; base: string }> {
  return kinds.flatMap((kind) => protocols.map((protocol) => ({ kind, protocol, base: `/${kind}-${protocol}` })));
}

/** Builds each app for its base and starts its reference http.Server and its gw server. */
export async function startMounts(factories: Readonly<Record<string, DifferentialAppFactory>>, protocols: readonly GatewayProtocol[]): Promise<DifferentialMount[]> {
  const specs = mountSpecs(Object.keys(factories), protocols);
  return Promise.all(
    specs.map(async ({ kind, protocol, base }) => {
      const factory = factories[kind] as DifferentialAppFactory;
      const app = await factory(base);
      const direct = createServer(app.direct);
      await new Promise<void>((resolve, reject) => {
        direct.once('error', reject);
        direct.listen(0, '127.0.0.1', resolve);
      });
      const address = direct.address();
      if (address === null || typeof address === 'string') throw new Error(`${kind}: reference server has no TCP address`);
      const gateway = await startGatewayApp({ protocol, handler: app.gateway });
      return { kind, protocol, base, app, directPort: address.port, direct, gateway };
    }),
  );
}

/** Stops every reference server, gw server and app. */
export async function stopMounts(mounts: readonly DifferentialMount[]): Promise<void> {
  await Promise.all(
    mounts.map(async (m) => {
      m.direct.closeAllConnections();
      await new Promise<void>((resolve) => m.direct.close(() => resolve()));
      await m.gateway.close();
      await m.app.close();
    }),
  );
}
