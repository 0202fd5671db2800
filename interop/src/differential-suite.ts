import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIFFERENTIAL_APPS } from '../apps/index.js';
import { type DifferentialMount, mountSpecs, startMounts, stopMounts } from './differential-mounts.js';
import { DIFFERENTIAL_REQUESTS, sendDifferentialRequest } from './differential-requests.js';
import type { FrontEnd } from './front-end.js';
import { reportedProblems } from './gateway-app.js';
import type { GatewayProtocol } from './gateway-servers.js';
import { responseDifferences } from './response-diff.js';

/** Options of `defineDifferentialSuite`. */
export interface DifferentialSuite {
  /** Front-end name for the test names, e.g. "nginx". */
  frontEnd: string;
  /** Protocols to route through it. */
  protocols: readonly GatewayProtocol[];
  /** Starts the front end with one route per mount (`<base>/` → the mount's gw server). */
  start(mounts: readonly DifferentialMount[]): Promise<FrontEnd>;
  /** '' to run, or the skip reason (missing binary) for the test names. */
  skip: string;
}

/**
 * The differential test for one front end: every framework app (apps/index.ts) × protocol is
 * mounted at `/<app>-<protocol>`; each request of DIFFERENTIAL_REQUESTS goes to the app on a
 * plain http.Server and through the front end and a gw server, and the answers must not differ
 * (status, body bytes, end-to-end headers: see response-diff.ts). The front end starts once.
 */
export function defineDifferentialSuite(suite: DifferentialSuite): void {
  const specs = mountSpecs(Object.keys(DIFFERENTIAL_APPS), suite.protocols);
  describe.skipIf(suite.skip !== '')(`differential: each framework directly vs through ${suite.frontEnd} and gw${suite.skip}`, () => {
    let mounts: DifferentialMount[] = [];
    let frontEnd: FrontEnd;
    const mount = (base: string) => mounts.find((m) => m.base === base) as DifferentialMount;

    beforeAll(async () => {
      mounts = await startMounts(DIFFERENTIAL_APPS, suite.protocols);
      frontEnd = await suite.start(mounts);
    });

    afterAll(async () => {
      await frontEnd?.stop();
      await stopMounts(mounts);
    });

    for (const { kind, protocol, base } of specs) {
      describe(`${kind} over ${suite.frontEnd} ${protocol}`, () => {
        for (const request of DIFFERENTIAL_REQUESTS) {
          it(request.name, async () => {
            const m = mount(base);
            const reference = await sendDifferentialRequest(m.directPort, base, request);
            const observed = await sendDifferentialRequest(frontEnd.port, base, request);
            const where = `${request.method} ${base}${request.path}`;
            expect(request.expect, `${where}: the reference answered ${reference.status}`).toContain(reference.status);
            expect(responseDifferences(reference, observed), where).toEqual([]);
          });
        }

        it('the gw server reported no errors', () => {
          const gateway = mount(base).gateway;
          expect([...reportedProblems(gateway), ...gateway.handlerErrors.map(String)]).toEqual([]);
        });
      });
    }
  });
}
