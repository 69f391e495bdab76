import type { ConsumerLagReader } from './consumer-lag.js';
import type { ProcessProblem } from './overview.js';

/** Health of one registered instance, as the registry's checks report it (Consul's words). */
export type InstanceHealth = 'passing' | 'warning' | 'critical';

/** One registered instance of a service. */
export interface InstanceView {
  readonly id: string;
  readonly address: string;
  readonly port: number;
  readonly health: InstanceHealth;
  readonly tags?: readonly string[];
  readonly meta?: Readonly<Record<string, string>>;
}

/** A service and its instances, as the registry knows them. */
export interface ServiceView {
  readonly name: string;
  readonly instances: readonly InstanceView[];
}

/** The events transport in use, for the topology's bottom row. */
export interface TransportView {
  /** The transport's own name for itself: `embedded`, `amqp`, `nats`, `kafka`, … */
  readonly kind: string;
  /** What a person calls it: `RabbitMQ`, `NATS JetStream`, `Apache Kafka`, … */
  readonly label: string;
  /** Where it is, without credentials (the dashboard shows it as is). */
  readonly endpoint?: string;
}

/** Paths each instance answers on; defaults in `defaultInstancePaths`. */
export interface InstancePaths {
  readonly metrics: string;
  readonly breakers: string;
  readonly deadLetters: string;
  /** Outbox backlog as JSON (`{ pending, oldestAgeSeconds? }`), for services without the gauges. */
  readonly outbox: string;
}

export const defaultInstancePaths: InstancePaths = {
  metrics: '/metrics',
  breakers: '/internal/breakers',
  deadLetters: '/events/dead-letters',
  outbox: '/events/outbox',
};

export interface DashboardOptions {
  /** Every registered service with its instances (backed by the registry). */
  listServices(): Promise<readonly ServiceView[]>;
  /** The events transport, when the system has one. */
  transport?(): TransportView | undefined;
  /**
   * Processes whose changed sources failed to build or parse, as the supervisor running the system
   * reports them (`supervisorProblems`); read with each overview. None when not given.
   */
  processProblems?(): Promise<readonly ProcessProblem[]>;
  /** The transport's consumer groups' lag, where the broker keeps it (Kafka); read with each scrape. */
  readonly consumerLag?: ConsumerLagReader;
  /** How the dashboard talks to instances; `globalThis.fetch` by default. */
  readonly fetch?: typeof fetch;
  /** The registered name of the gateway, drawn above the services. Default `gateway`. */
  readonly gatewayName?: string;
  /**
   * The gateway the API explorer sends requests through. Default: a passing instance of the
   * registered `gatewayName`.
   */
  readonly gatewayUrl?: string;
  readonly paths?: Partial<InstancePaths>;
  /** Time between background scrapes while someone watches. Default 2000 ms. */
  readonly scrapeIntervalMs?: number;
  /** Scraping stops this long after the last overview request. Default 30 s. */
  readonly idleAfterMs?: number;
  /** Rates are computed over at most this much scrape history. Default 10 s. */
  readonly windowMs?: number;
  /** Per request to an instance. Default 1500 ms. */
  readonly instanceTimeoutMs?: number;
  /** The traces API the UI links to (served by the traces module). Default `/api/traces`. */
  readonly tracesApi?: string;
  /** Clock for tests. */
  readonly now?: () => number;
}
