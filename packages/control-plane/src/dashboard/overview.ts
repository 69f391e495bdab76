import type { BreakerState } from './breaker-state.js';
import type { ConsumerGroupLag } from './consumer-lag.js';
import type { InstanceHealth, TransportView } from './dashboard-options.js';
import type { EventStats } from './read-event-stats.js';

/** healthy: every instance passing · degraded: some are not · down: none is passing. */
export type ServiceStatus = 'healthy' | 'degraded' | 'down';

export interface InstanceOverview {
  readonly id: string;
  readonly address: string;
  readonly port: number;
  readonly health: InstanceHealth;
  readonly version?: string;
  /** Whether the last scrape of its `/metrics` answered. */
  readonly scrape: 'ok' | 'failed' | 'pending';
}

export interface TrafficOverview {
  readonly requestsPerSecond: number;
  /** Share of requests answered 5xx, 0–1. */
  readonly errorRate: number;
  /** `null` when no request was served in the window. */
  readonly p95Ms: number | null;
  /** How much scrape history the figures cover. */
  readonly windowSeconds: number;
}

export interface BreakerOverview {
  readonly target: string;
  /** The most alarming state any instance reports. */
  readonly state: BreakerState;
  /** How many instances report each state. */
  readonly instances: Readonly<Partial<Record<BreakerState, number>>>;
}

export interface ServiceOverview {
  readonly name: string;
  readonly status: ServiceStatus;
  readonly routePrefix?: string;
  readonly instances: readonly InstanceOverview[];
  /** `null` until two scrapes of an instance are in. */
  readonly traffic: TrafficOverview | null;
  readonly breakers: readonly BreakerOverview[];
  /** `null` when no instance exports outbox, consumer or dead-letter figures. */
  readonly events: EventStats | null;
}

export interface EdgeOverview {
  readonly from: string;
  /** A service name, or `transport`. */
  readonly to: string;
  readonly kind: 'http' | 'events';
  /** The caller's breaker towards `to`, when it reports one. */
  readonly breaker?: BreakerState;
}

/** The transport, and where the broker keeps it (Kafka) its consumer groups' lag. */
export interface TransportOverview extends TransportView {
  readonly consumerGroups?: readonly ConsumerGroupLag[];
  /** Why the lag could not be read at the last scrape. */
  readonly consumerLagError?: string;
}

/**
 * A process whose changed sources failed to build or parse under `flotilla start --watch`, as its
 * supervisor reports it, until a version that passes is started.
 */
export interface ProcessProblem {
  /** The process's name in the system file (a service's is also its registered name). */
  readonly process: string;
  /** What failed on the first line (`routes.ts:7:29: Expected ")"…`); a failed build's first lines of output after it. */
  readonly problem: string;
  /** Its instances still running the previous version; 0 when it is not running at all. */
  readonly serving: number;
}

/** `GET /api/overview`. */
export interface Overview {
  readonly generatedAt: string;
  /** How often the page should ask again. */
  readonly refreshMs: number;
  readonly tracesApi: string;
  /** `null` when no service is registered under the gateway's name. */
  readonly gateway: ServiceOverview | null;
  readonly services: readonly ServiceOverview[];
  readonly transport: TransportOverview | null;
  readonly edges: readonly EdgeOverview[];
  /** Empty unless the control plane runs under a supervisor that reports some (`flotilla start`). */
  readonly problems: readonly ProcessProblem[];
}
