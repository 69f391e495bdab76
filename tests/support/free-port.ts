import { connect, createServer } from 'node:net';
import { until } from './until.js';

/** A loopback port nothing listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Resolves once something accepts connections on the loopback `port`; fails after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  await until(
    `something listening on ${port}`,
    () =>
      new Promise<boolean>((resolve) => {
        const client = connect(port, '127.0.0.1', () => {
          client.end();
          resolve(true);
        });
        client.on('error', () => resolve(false));
      }),
    timeoutMs,
  );
}
