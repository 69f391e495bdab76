/** One running instance of a service, as discovery reports it. */
export interface ServiceInstance {
  /** Unique per instance (the registry's service ID). */
  readonly id: string;
  /** The service's name, e.g. `users`. */
  readonly service: string;
  readonly address: string;
  readonly port: number;
  readonly tags: readonly string[];
  readonly meta: Readonly<Record<string, string>>;
}

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
