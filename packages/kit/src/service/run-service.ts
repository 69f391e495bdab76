import { ConfigError, type ConfigSchema, type Environment, EXIT_CONFIG } from '../config/index.js';
import type { ServiceDefinition } from './define-service.js';
import { type RunningService, startService } from './start-service.js';
import { stopOnSignals } from './stop-on-signals.js';

/**
 * The whole life of a service process: start, then stop on SIGTERM/SIGINT and exit 0. A second
 * signal exits at once. A bad config prints one message and exits with EXIT_CONFIG.
 *
 * @example
 * ```ts
 * // services/billing/src/main.ts
 * await runService(billingService, withDotEnv(process.env, process.cwd()));
 * ```
 */
export async function runService<S extends ConfigSchema>(
  definition: ServiceDefinition<S>,
  environment: Environment,
): Promise<RunningService<S>> {
  let running: RunningService<S>;
  try {
    running = await startService(definition, { environment });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    process.stderr.write(
      `${definition.name} failed to start: ${(error as Error).message ?? String(error)}\n`,
    );
    process.exit(1);
  }
  const { logger } = running.context;
  stopOnSignals(() => running.stop(), logger);
  // Lets a supervisor (connected over IPC) show readiness and the address without parsing logs.
  if (process.connected) process.send?.({ type: 'flotilla:ready', name: definition.name, url: running.url });
  return running;
}
