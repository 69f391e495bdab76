import type { ServiceInstance } from './service-instance.js';

/** What a service instance tells the registry about itself. */
export interface ServiceRegistration {
  /** Unique per instance, e.g. `users-3f9a1c2b`. */
  readonly id: string;
  /** The service's name, as callers look it up. */
  readonly name: string;
  /** The host or IP callers reach it at. */
  readonly address: string;
  /** The port it listens on. */
  readonly port: number;
  /** Labels a caller may filter on. */
  readonly tags: readonly string[];
  /** Free key/values, e.g. its version and public prefix for the gateway. */
  readonly meta: Readonly<Record<string, string>>;
  /** An HTTP check the registry runs against the instance. */
  readonly check?: {
    readonly http: string;
    readonly intervalMs: number;
    readonly timeoutMs: number;
    /** The registry drops the instance once the check has been critical this long. */
    readonly deregisterAfterMs: number;
  };
}

/** The passing instances of one service and an opaque index to wait for the next change. */
export interface InstanceList {
  /** The instances whose checks pass. */
  readonly instances: readonly ServiceInstance[];
  /** Give it back as `index` to wait for the next change. */
  readonly index: string | undefined;
}

/** How `Registry.healthy` waits. */
export interface HealthyOptions {
  /** The index of the previous answer: wait until the list changes (a blocking query). */
  readonly index?: string;
  /** Longest wait for a change. */
  readonly waitMs?: number;
  /** Ends the wait early. */
  readonly signal?: AbortSignal;
}

/**
 * A service registry: where instances register and where callers find passing instances. One
 * adapter per system (`consul`, `dns`), chosen by `REGISTRY_URL` (see createRegistry).
 */
export interface Registry {
  /** Which adapter this is. */
  readonly kind: 'consul' | 'dns';
  /** Adds or replaces the instance `registration.id`. */
  register(registration: ServiceRegistration): Promise<void>;
  /** Removes the instance; callers stop finding it. */
  deregister(id: string): Promise<void>;
  /** Whether the registry holds `id`; a registry that needs no registration (DNS) says true. */
  isRegistered(id: string): Promise<boolean>;
  /**
   * Names of the services the registry knows (any health); empty where it cannot list them (DNS
   * answers only for a name asked for).
   */
  services(): Promise<string[]>;
  /** Passing instances only; with `index`, waits for a change first (up to `waitMs`). */
  healthy(service: string, options?: HealthyOptions): Promise<InstanceList>;
  /** Ends pending waits and closes connections. */
  close(): Promise<void>;
}

/** The registry answered with an error or could not be reached. */
export class RegistryError extends Error {
  /** Always `RegistryError`. */
  override readonly name = 'RegistryError';
  constructor(
    message: string,
    /** The registry's HTTP status, when it answered. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
