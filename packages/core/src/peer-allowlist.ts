import { BlockList, isIP } from 'node:net';
import { InvalidArgumentError } from './errors.js';

/**
 * Which peers may connect: FCGI_WEB_SERVER_ADDRS semantics (spec §3.2) extended to IPv6 and
 * CIDR ranges, as php-fpm does. Unix-socket peers are always allowed (they have no address;
 * filesystem permissions guard them).
 */
export class PeerAllowlist {
  readonly #list = new BlockList();

  /** `entries`: addresses or CIDR ranges, e.g. `127.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`. */
  constructor(entries: readonly string[]) {
    for (const raw of entries) {
      const entry = raw.trim();
      if (entry === '') continue;
      const [address = '', prefix] = entry.split('/');
      const family = isIP(address);
      if (family === 0) throw new InvalidArgumentError('GW_ERR_INVALID_OPTION', `allowedPeers: "${entry}" is not an IP address or CIDR range`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (prefix === undefined) {
        this.#list.addAddress(address, type);
        continue;
      }
      const bits = Number(prefix);
      if (!/^\d+$/.test(prefix) || bits > (family === 4 ? 32 : 128)) {
        throw new InvalidArgumentError('GW_ERR_INVALID_OPTION', `allowedPeers: bad prefix length in "${entry}"`);
      }
      this.#list.addSubnet(address, bits, type);
    }
  }

  /** Parses FCGI_WEB_SERVER_ADDRS (comma-separated), or returns undefined when it is unset/empty. */
  static fromEnvironment(value = process.env.FCGI_WEB_SERVER_ADDRS): PeerAllowlist | undefined {
    if (value === undefined || value.trim() === '') return undefined;
    return new PeerAllowlist(value.split(','));
  }

  /** True when a peer with this address may connect. `undefined` (a unix socket) is always allowed. */
  allows(address: string | undefined): boolean {
    if (address === undefined || address === '') return true;
    // An IPv4 client on a dual-stack socket shows up as ::ffff:a.b.c.d.
    const mapped = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    const family = isIP(mapped);
    if (family === 0) return false;
    return this.#list.check(mapped, family === 4 ? 'ipv4' : 'ipv6');
  }
}
