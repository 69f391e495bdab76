import { isIPv4 } from 'node:net';
import { Client } from 'undici';

/**
 * The loopback address client `k` (from 0) sends from: 127.1.0.1, 127.1.0.2, … 127.1.0.254,
 * 127.1.1.1, … All of 127.0.0.0/8 routes to `lo` on Linux, so each simulated client is a source
 * address of its own, as a gateway keying its rate limit by client address tells clients apart.
 */
export function clientAddress(k: number): string {
  const host = k % 254;
  const subnet = Math.floor(k / 254);
  return `127.${1 + Math.floor(subnet / 256)}.${subnet % 256}.${1 + host}`;
}

/** `http://localhost:8080` becomes `http://127.0.0.1:8080`: a loopback source address needs an IPv4 peer. */
export function loopbackOrigin(gateway: string): string | undefined {
  const url = new URL(gateway);
  if (url.hostname === 'localhost') url.hostname = '127.0.0.1';
  return isIPv4(url.hostname) && url.hostname.startsWith('127.') ? url.origin : undefined;
}

/** The `x-api-key` client `k` sends, so that a gateway keyed by API key tells clients apart too. */
export function clientApiKey(k: number): string {
  return `load-client-${k}`;
}

export interface LoadClientsOptions {
  readonly gateway: string;
  readonly clients: number;
  readonly random?: () => number;
}

/**
 * The simulated clients of a load run. Each request goes out from one picked at random, so every
 * client's arrivals are Poisson-like at `rate / clients`. A client is one keep-alive connection,
 * opened on its first request; on a loopback gateway it connects from its own address, elsewhere
 * all clients share the machine's. Each also names itself by API key, for gateways keyed by that.
 */
export class LoadClients {
  /** Whether the clients reach the gateway from addresses of their own. */
  readonly distinctAddresses: boolean;
  readonly #origin: string;
  readonly #connections = new Map<number, Client>();
  readonly #random: () => number;

  constructor(private readonly options: LoadClientsOptions) {
    const loopback = loopbackOrigin(options.gateway);
    this.distinctAddresses = loopback !== undefined;
    this.#origin = loopback ?? new URL(options.gateway).origin;
    this.#random = options.random ?? Math.random;
  }

  /** A client index, uniformly at random. */
  pick(): number {
    return Math.min(this.options.clients - 1, Math.floor(this.#random() * this.options.clients));
  }

  /** The connection of client `k`, opened lazily. */
  connection(k: number): Client {
    let client = this.#connections.get(k);
    if (!client) {
      client = new Client(this.#origin, {
        pipelining: 1,
        ...(this.distinctAddresses ? { localAddress: clientAddress(k) } : {}),
      });
      this.#connections.set(k, client);
    }
    return client;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#connections.values()].map((client) => client.close()));
  }
}
