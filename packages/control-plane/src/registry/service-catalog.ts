import type { CheckDefinition, CheckStatus, ServiceDefinition } from './registration.js';

export interface CheckState {
  readonly definition: CheckDefinition;
  status: CheckStatus;
  output: string;
  createIndex: number;
  modifyIndex: number;
  /** When the check last turned critical (ms since epoch); undefined while not critical. */
  criticalSince: number | undefined;
  /** TTL checks: when the check turns critical unless updated. */
  ttlExpiresAt: number | undefined;
}

export interface ServiceRecord {
  readonly definition: ServiceDefinition;
  readonly createIndex: number;
  readonly modifyIndex: number;
}

/** What survives a restart: the registrations and the index, never check results. */
export interface CatalogSnapshot {
  readonly version: 1;
  readonly index: number;
  readonly services: readonly ServiceDefinition[];
}

export type TtlUpdate = 'updated' | 'unknown' | 'not-ttl';

/**
 * The registry's state: services and checks of a single node, a Raft-like index that grows with
 * every change, and per-service indexes so a blocking query on one service wakes only when that
 * service changes (Consul's `X-Consul-Index` semantics).
 */
export class ServiceCatalog {
  readonly #services = new Map<string, ServiceRecord>();
  readonly #checks = new Map<string, CheckState>();
  /** Last index at which each service name changed, kept after deregistration so watchers wake. */
  readonly #serviceIndex = new Map<string, number>();
  #index = 1;
  #catalogIndex = 1;
  #wake: { promise: Promise<void>; resolve: () => void } = deferred();
  #closed = false;

  constructor(private readonly clock: () => number = Date.now) {}

  get index(): number {
    return this.#index;
  }

  /** Index of the list of service names and tags (for `/v1/catalog/services`). */
  get catalogIndex(): number {
    return this.#catalogIndex;
  }

  serviceIndex(name: string): number {
    return this.#serviceIndex.get(name) ?? this.#catalogIndex;
  }

  /** Adds or replaces a service; an existing check with the same id and kind keeps its status. */
  register(definition: ServiceDefinition): void {
    const previous = this.#services.get(definition.id);
    const index = this.#bump();
    const kept = new Map<string, CheckState>();
    if (previous) {
      for (const check of previous.definition.checks) {
        const state = this.#checks.get(check.checkId);
        if (state) kept.set(check.checkId, state);
        this.#checks.delete(check.checkId);
      }
      if (previous.definition.name !== definition.name)
        this.#serviceIndex.set(previous.definition.name, index);
    }
    const now = this.clock();
    for (const check of definition.checks) {
      const old = kept.get(check.checkId);
      const keep = old && old.definition.kind === check.kind;
      const status = keep ? old.status : check.initialStatus;
      this.#checks.set(check.checkId, {
        definition: check,
        status,
        output: keep ? old.output : '',
        createIndex: keep ? old.createIndex : index,
        modifyIndex: index,
        criticalSince: status === 'critical' ? (keep ? (old.criticalSince ?? now) : now) : undefined,
        ttlExpiresAt: check.kind === 'ttl' ? (keep ? old.ttlExpiresAt : undefined) : undefined,
      });
    }
    this.#services.set(definition.id, {
      definition,
      createIndex: previous?.createIndex ?? index,
      modifyIndex: index,
    });
    this.#serviceIndex.set(definition.name, index);
    this.#catalogIndex = index;
    this.#notify();
  }

  deregister(id: string): boolean {
    const record = this.#services.get(id);
    if (!record) return false;
    const index = this.#bump();
    for (const check of record.definition.checks) this.#checks.delete(check.checkId);
    this.#services.delete(id);
    this.#serviceIndex.set(record.definition.name, index);
    this.#catalogIndex = index;
    this.#notify();
    return true;
  }

  service(id: string): ServiceRecord | undefined {
    return this.#services.get(id);
  }

  services(): ServiceRecord[] {
    return [...this.#services.values()];
  }

  instancesOf(name: string): ServiceRecord[] {
    return this.services().filter((record) => record.definition.name === name);
  }

  checksOf(record: ServiceRecord): CheckState[] {
    return record.definition.checks.flatMap((check) => this.#checks.get(check.checkId) ?? []);
  }

  check(checkId: string): CheckState | undefined {
    return this.#checks.get(checkId);
  }

  checks(): CheckState[] {
    return [...this.#checks.values()];
  }

  /**
   * Records a check result. The index moves only when the status changes: Consul likewise avoids
   * waking every watcher each time a check's output text changes.
   */
  setCheckStatus(checkId: string, status: CheckStatus, output: string): void {
    const state = this.#checks.get(checkId);
    if (!state) return;
    state.output = output;
    if (state.status === status) return;
    state.status = status;
    state.criticalSince = status === 'critical' ? this.clock() : undefined;
    state.modifyIndex = this.#bump();
    const record = this.#services.get(state.definition.serviceId);
    if (record) this.#serviceIndex.set(record.definition.name, state.modifyIndex);
    this.#notify();
  }

  /** `PUT /v1/agent/check/{pass,warn,fail}/:id` for a TTL check. */
  updateTtl(checkId: string, status: CheckStatus, note: string): TtlUpdate {
    const state = this.#checks.get(checkId);
    if (!state) return 'unknown';
    if (state.definition.kind !== 'ttl') return 'not-ttl';
    state.ttlExpiresAt = this.clock() + state.definition.ttlMs;
    this.setCheckStatus(checkId, status, note);
    return 'updated';
  }

  /** Resolves after the next change (or `close()`); blocking queries re-check their index then. */
  nextChange(): Promise<void> {
    return this.#wake.promise;
  }

  /** Wakes every waiter for good; used at shutdown so blocking queries answer at once. */
  close(): void {
    this.#closed = true;
    this.#wake.resolve();
  }

  get closed(): boolean {
    return this.#closed;
  }

  snapshot(): CatalogSnapshot {
    return { version: 1, index: this.#index, services: this.services().map((record) => record.definition) };
  }

  /**
   * Loads registrations saved before a restart. Every check starts critical whatever its saved
   * definition says: nothing is reported passing until the registry has checked it again.
   */
  restore(snapshot: CatalogSnapshot): void {
    this.#index = Math.max(this.#index, snapshot.index);
    for (const definition of snapshot.services) {
      this.register({
        ...definition,
        checks: definition.checks.map((check) => ({ ...check, initialStatus: 'critical' as const })),
      });
    }
  }

  #bump(): number {
    this.#index += 1;
    return this.#index;
  }

  #notify(): void {
    if (this.#closed) return;
    const current = this.#wake;
    this.#wake = deferred();
    current.resolve();
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}
