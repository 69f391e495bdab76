/** One running instance of a service, as discovery reports it. */
export interface ServiceInstance {
  /** Unique per instance (the registry's service ID). */
  readonly id: string;
  /** The service's name, e.g. `users`. */
  readonly service: string;
  /** The host or IP to call. */
  readonly address: string;
  /** The port to call. */
  readonly port: number;
  /** The labels it registered with. */
  readonly tags: readonly string[];
  /** The key/values it registered with. */
  readonly meta: Readonly<Record<string, string>>;
}

/** How a call to an instance went; `refused` (no connection) ejects the instance for a while. */
export type CallOutcome = 'success' | 'failure' | 'refused';

/**
 * Chooses an instance for each call and learns from how calls went. The service client and the
 * gateway depend on this, not on a registry.
 */
export interface LoadBalancer {
  /**
   * A passing instance of `service`, avoiding the ids in `exclude` (instances already tried by this
   * call) when another one exists; `undefined` when the service has no passing instance.
   */
  pick(service: string, exclude?: ReadonlySet<string>): Promise<ServiceInstance | undefined>;
  /**
   * Marks a call as started on `instance`; `done` must be called once when it ends. A `refused`
   * outcome (connection refused or reset before any answer) ejects the instance for a cool-down.
   */
  track(instance: ServiceInstance): { done(outcome: CallOutcome): void };
}
