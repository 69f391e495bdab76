import { createServer } from 'node:net';
import { CliError } from './cli-error.js';

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/**
 * Fails before anything starts when a fixed port is taken: otherwise the control plane would crash
 * in a restart loop while the supervisor's readiness poll is answered by whatever holds the port.
 */
export async function assertPortsFree(ports: Readonly<Record<string, number>>): Promise<void> {
  for (const [name, port] of Object.entries(ports)) {
    if (!(await isFree(port))) {
      throw new CliError(
        `port ${port} is in use (another flotilla start?); set ${name} to run on another port`,
      );
    }
  }
}
