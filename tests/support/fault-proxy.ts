import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * Faults a TCP proxy injects, named as Toxiproxy names them. Read on every chunk and connection,
 * so changing them with `set()` takes effect at once.
 */
export interface Toxics {
  /** Delay added to every chunk the upstream sends back, in ms… */
  readonly latencyMs?: number;
  /** …plus or minus up to this much. */
  readonly jitterMs?: number;
  /** Reset (RST) every connection, new and open: the client sees ECONNRESET. */
  readonly reset?: boolean;
  /** Accept connections and read from them, but never forward or answer anything. */
  readonly blackhole?: boolean;
  /** Delay closing the client side after the upstream closed, in ms. */
  readonly slowCloseMs?: number;
  /** Forward at most this many bytes back to the client, then close the connection. */
  readonly limitBytes?: number;
}

/**
 * A small in-process TCP fault proxy for tests. Our own because no well-kept npm package injects
 * Toxiproxy's faults in-process (Toxiproxy itself is a Go server to install and drive over HTTP).
 */
export class FaultProxy {
  #toxics: Toxics = {};
  readonly #sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly upstream: { host: string; port: number },
    readonly port: number,
  ) {}

  /** A proxy on 127.0.0.1 (port 0) in front of `upstreamUrl` (e.g. a service's URL). */
  static async start(upstreamUrl: string): Promise<FaultProxy> {
    const { hostname, port } = new URL(upstreamUrl);
    let proxy: FaultProxy | undefined;
    const server = createServer((client) => proxy?.accept(client));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    proxy = new FaultProxy(
      server,
      { host: hostname, port: Number(port) },
      (server.address() as { port: number }).port,
    );
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  set(toxics: Toxics): void {
    this.#toxics = { ...toxics };
    if (toxics.reset) for (const socket of this.#sockets) socket.resetAndDestroy();
  }

  clear(): void {
    this.#toxics = {};
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  private accept(client: Socket): void {
    this.track(client);
    if (this.#toxics.reset) {
      client.resetAndDestroy();
      return;
    }
    if (this.#toxics.blackhole) {
      client.resume();
      return;
    }
    const upstream = connect(this.upstream.port, this.upstream.host);
    this.track(upstream);
    let sentBytes = 0;
    let nextWriteAt = 0;
    let pending = 0;
    let upstreamEnded = false;
    const closeClient = () => {
      const delay = this.#toxics.slowCloseMs ?? 0;
      setTimeout(() => client.end(), delay);
    };
    client.on('data', (chunk) => {
      if (!this.#toxics.blackhole) upstream.write(chunk);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => {
      if (!upstreamEnded) client.destroy();
    });
    upstream.on('data', (chunk: Buffer) => {
      const toxics = this.#toxics;
      if (toxics.blackhole) return;
      let data = chunk;
      if (toxics.limitBytes !== undefined) {
        data = chunk.subarray(0, Math.max(0, toxics.limitBytes - sentBytes));
      }
      sentBytes += data.length;
      const jitter = toxics.jitterMs ? (Math.random() * 2 - 1) * toxics.jitterMs : 0;
      const now = Date.now();
      // Chunks keep their order: each is written no earlier than the one before it.
      nextWriteAt = Math.max(nextWriteAt, now + Math.max(0, (toxics.latencyMs ?? 0) + jitter));
      pending++;
      const cut = toxics.limitBytes !== undefined && sentBytes >= toxics.limitBytes;
      setTimeout(() => {
        pending--;
        if (data.length > 0 && !client.destroyed) client.write(data);
        if (cut) {
          client.destroy();
          upstream.destroy();
        } else if (upstreamEnded && pending === 0) closeClient();
      }, nextWriteAt - now);
    });
    upstream.on('end', () => {
      upstreamEnded = true;
      if (pending === 0) closeClient();
    });
  }
}
