import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './free-port.js';

export interface PrivateNatsServer {
  readonly url: string;
  /** Stops the server (SIGTERM, waiting for its exit) and starts it again on the same port and store. */
  restart(): Promise<void>;
  /** Stops it for good and removes its JetStream store. */
  close(): Promise<void>;
}

/**
 * A JetStream-enabled nats-server of the caller's own, on a free loopback port with a store in a
 * temporary folder, so restarting it disturbs nobody else using the shared one.
 */
export async function privateNatsServer(binary = '/usr/sbin/nats-server'): Promise<PrivateNatsServer> {
  const storeDir = await mkdtemp(join(tmpdir(), 'flotilla-nats-'));
  const port = await freePort();
  let server: ChildProcess | undefined;
  const start = async () => {
    server = spawn(binary, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], {
      stdio: 'ignore',
    });
    await waitForPort(port);
  };
  const stop = async () => {
    const current = server;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise((resolve) => current.once('exit', resolve));
    current.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    async restart() {
      await stop();
      await start();
    },
    async close() {
      await stop();
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}
