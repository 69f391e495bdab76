import { BlockList, isIP } from 'node:net';

/**
 * The client's address: the socket peer, or, when that peer is a configured trusted proxy, the
 * right-most `X-Forwarded-For` entry not itself a trusted proxy. Entries left of the first
 * untrusted hop are the client's own claims and are never believed.
 */
export class ClientAddress {
  readonly #trusted = new BlockList();
  readonly #any: boolean;

  /** `proxies`: addresses or CIDR ranges (`10.0.0.0/8`, `::1`). Throws on a malformed entry. */
  constructor(proxies: readonly string[]) {
    for (const entry of proxies) {
      const [address, bits] = entry.split('/') as [string, string | undefined];
      const family = isIP(address);
      if (family === 0) throw new Error(`TRUSTED_PROXIES: "${entry}" is not an IP address or CIDR range`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (bits === undefined) this.#trusted.addAddress(address, type);
      else {
        const prefix = Number(bits);
        if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
          throw new Error(`TRUSTED_PROXIES: "${entry}" has a bad prefix length`);
        }
        this.#trusted.addSubnet(address, prefix, type);
      }
    }
    this.#any = proxies.length > 0;
  }

  isTrusted(address: string): boolean {
    if (!this.#any) return false;
    address = unmapped(address);
    const family = isIP(address);
    if (family === 0) return false;
    return this.#trusted.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }

  of(socketPeer: string, forwardedFor: string | string[] | undefined): string {
    const peer = unmapped(socketPeer);
    if (forwardedFor === undefined || !this.isTrusted(peer)) return peer;
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
    let client = peer;
    for (let index = hops.length - 1; index >= 0; index--) {
      const hop = hops[index]!.trim();
      if (isIP(hop) === 0) return client;
      client = hop;
      if (!this.isTrusted(hop)) return hop;
    }
    return client;
  }
}

/** A dual-stack socket reports IPv4 peers as `::ffff:a.b.c.d`; limits and rules see `a.b.c.d`. */
function unmapped(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
