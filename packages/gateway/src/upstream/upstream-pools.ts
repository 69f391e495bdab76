import type { ServiceInstance } from '@flotilla/kit/discovery';
import { urlHost } from '@flotilla/kit/http';
import { Pool } from 'undici';

export interface PoolOptions {
  readonly connections: number;
  readonly keepAliveTimeoutMs: number;
}

/** One undici connection pool per upstream instance (address:port), kept alive between requests. */
export class UpstreamPools {
  readonly #pools = new Map<string, Pool>();
  readonly #options: PoolOptions;

  constructor(options: PoolOptions) {
    this.#options = options;
  }

  of(instance: ServiceInstance): Pool {
    const key = `${instance.address}:${instance.port}`;
    let pool = this.#pools.get(key);
    if (pool === undefined) {
      pool = new Pool(`http://${urlHost(instance.address)}:${instance.port}`, {
        connections: this.#options.connections,
        keepAliveTimeout: this.#options.keepAliveTimeoutMs,
        pipelining: 1,
      });
      this.#pools.set(key, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((pool) => pool.close()));
    this.#pools.clear();
  }
}
