import type { Logger } from '../telemetry/index.js';
import type { Registry, ServiceRegistration } from './registry.js';

/** How a registration is kept. */
export interface KeepRegisteredOptions {
  /** How often the registration is verified and restored. */
  readonly syncIntervalMs: number;
  /** Where lost and restored registrations are logged. */
  readonly logger: Logger;
}

/** An instance's registration, restored whenever the registry lost it. */
export interface Registration {
  /** Stops verifying and deregisters. */
  stop(): Promise<void>;
}

/**
 * Registers an instance and keeps it registered, like a Consul agent's anti-entropy: at every
 * interval it asks the registry whether it still holds the instance and registers it again only if
 * not (a registry that lost its state, or reaped the instance). Registration is by instance id and
 * checks never overlap, so the registry never holds the instance twice. A registry that is down at
 * start does not stop the service: the next sync registers it.
 */
export async function keepRegistered(
  registry: Registry,
  registration: ServiceRegistration,
  options: KeepRegisteredOptions,
): Promise<Registration> {
  const { logger } = options;
  let failing = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const sync = async (first: boolean) => {
    try {
      if (first || !(await registry.isRegistered(registration.id))) {
        await registry.register(registration);
        logger.info(
          { instance: registration.id, registry: registry.kind },
          first ? 'registered' : 'registered again: the registry had lost this instance',
        );
      }
      if (failing) logger.info({ instance: registration.id }, 'registry reachable again');
      failing = false;
    } catch (error) {
      if (!failing)
        logger.warn({ err: error, instance: registration.id }, 'cannot reach the registry; will retry');
      failing = true;
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      inFlight = sync(false).finally(schedule);
    }, options.syncIntervalMs);
    timer.unref();
  };

  inFlight = sync(true);
  await inFlight;
  schedule();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
      try {
        await registry.deregister(registration.id);
        logger.info({ instance: registration.id }, 'deregistered');
      } catch (error) {
        logger.warn(
          { err: error, instance: registration.id },
          'could not deregister; the registry will drop it',
        );
      }
    },
  };
}
