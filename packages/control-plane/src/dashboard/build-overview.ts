import { META_ROUTE_PREFIX, META_VERSION } from '@flotilla/kit/discovery';
import { type BreakerState, worseBreakerState } from './breaker-state.js';
import type { ConsumerLagReading } from './consumer-lag.js';
import type { ServiceView, TransportView } from './dashboard-options.js';
import { histogramQuantile } from './histogram-quantile.js';
import { type HttpTotals, httpIncrease } from './http-totals.js';
import type {
  BreakerOverview,
  EdgeOverview,
  InstanceOverview,
  Overview,
  ProcessProblem,
  ServiceOverview,
  ServiceStatus,
  TrafficOverview,
} from './overview.js';
import type { EventStats } from './read-event-stats.js';
import type { InstanceSnapshot } from './scrape-instance.js';

const NO_TRAFFIC: HttpTotals = { requests: 0, errors: 0, buckets: new Map() };

export interface OverviewInputs {
  readonly services: readonly ServiceView[];
  /** Scrape history of one instance, oldest first. */
  readonly snapshotsOf: (service: string, instanceId: string) => readonly InstanceSnapshot[];
  readonly transport: TransportView | undefined;
  /** The last reading of the transport's consumer groups, whose ids are `<groupPrefix><service>`. */
  readonly consumerLag?: { readonly groupPrefix: string; readonly reading: ConsumerLagReading };
  readonly gatewayName: string;
  readonly problems: readonly ProcessProblem[];
  readonly refreshMs: number;
  readonly tracesApi: string;
  readonly now: number;
}

/** Assembles the page's whole picture from the registry's view and the scrape history. */
export function buildOverview(inputs: OverviewInputs): Overview {
  const groups =
    inputs.consumerLag && 'consumerGroups' in inputs.consumerLag.reading
      ? new Map(inputs.consumerLag.reading.consumerGroups.map((group) => [group.group, group.lag]))
      : new Map<string, number>();
  const all = inputs.services.map((service) =>
    serviceOverview(service, inputs, groups.get(`${inputs.consumerLag?.groupPrefix}${service.name}`)),
  );
  const gateway = all.find((service) => service.name === inputs.gatewayName) ?? null;
  const services = all.filter((service) => service !== gateway).sort((a, b) => a.name.localeCompare(b.name));
  return {
    generatedAt: new Date(inputs.now).toISOString(),
    refreshMs: inputs.refreshMs,
    tracesApi: inputs.tracesApi,
    gateway,
    services,
    transport: inputs.transport ? { ...inputs.transport, ...inputs.consumerLag?.reading } : null,
    edges: edgesOf(inputs.gatewayName, gateway, services, inputs.transport !== undefined),
    problems: inputs.problems,
  };
}

/** `groupLag`: the lag of the service's consumer group as the broker keeps it, when it does (Kafka). */
function serviceOverview(
  service: ServiceView,
  inputs: OverviewInputs,
  groupLag: number | undefined,
): ServiceOverview {
  const histories = service.instances.map((instance) => inputs.snapshotsOf(service.name, instance.id));
  const latest = histories.flatMap((history) => {
    const last = history.at(-1);
    return last?.ok ? [last] : [];
  });
  const instances: InstanceOverview[] = service.instances.map((instance, index) => {
    const last = histories[index]?.at(-1);
    const version = instance.meta?.[META_VERSION];
    return {
      id: instance.id,
      address: instance.address,
      port: instance.port,
      health: instance.health,
      ...(version ? { version } : {}),
      scrape: last === undefined ? 'pending' : last.ok ? 'ok' : 'failed',
    };
  });
  const routePrefix = service.instances.map((instance) => instance.meta?.[META_ROUTE_PREFIX]).find(Boolean);
  return {
    name: service.name,
    status: statusOf(service),
    ...(routePrefix ? { routePrefix } : {}),
    instances,
    traffic: trafficOf(histories),
    breakers: breakersOf(latest),
    events: eventsOf(latest, groupLag),
  };
}

function statusOf(service: ServiceView): ServiceStatus {
  const passing = service.instances.filter((instance) => instance.health === 'passing').length;
  if (passing === 0) return 'down';
  return passing === service.instances.length ? 'healthy' : 'degraded';
}

/** Rates over each instance's window (first to last good scrape), summed over instances. */
function trafficOf(histories: readonly (readonly InstanceSnapshot[])[]): TrafficOverview | null {
  let measured = false;
  let requestsPerSecond = 0;
  let windowSeconds = 0;
  let total: HttpTotals = { requests: 0, errors: 0, buckets: new Map() };
  for (const history of histories) {
    const good = history.filter((snapshot) => snapshot.ok);
    const first = good[0];
    const last = good.at(-1);
    if (!first || !last || last === first) continue;
    const seconds = (last.at - first.at) / 1000;
    if (seconds <= 0) continue;
    // prom-client exports no histogram series before the first request: that is zero traffic.
    const increase = httpIncrease(first.http ?? NO_TRAFFIC, last.http ?? NO_TRAFFIC);
    measured = true;
    requestsPerSecond += increase.requests / seconds;
    windowSeconds = Math.max(windowSeconds, seconds);
    total = addTotals(total, increase);
  }
  if (!measured) return null;
  const p95 = histogramQuantile(0.95, total.buckets);
  return {
    requestsPerSecond,
    errorRate: total.requests > 0 ? total.errors / total.requests : 0,
    p95Ms: total.requests > 0 && p95 !== undefined ? p95 * 1000 : null,
    windowSeconds,
  };
}

function addTotals(a: HttpTotals, b: HttpTotals): HttpTotals {
  const buckets = new Map(a.buckets);
  for (const [bound, count] of b.buckets) buckets.set(bound, (buckets.get(bound) ?? 0) + count);
  return { requests: a.requests + b.requests, errors: a.errors + b.errors, buckets };
}

function breakersOf(latest: readonly InstanceSnapshot[]): BreakerOverview[] {
  const byTarget = new Map<
    string,
    { state: BreakerState; instances: Partial<Record<BreakerState, number>> }
  >();
  for (const snapshot of latest) {
    for (const { target, state } of snapshot.breakers) {
      const entry = byTarget.get(target) ?? { state, instances: {} };
      entry.state = worseBreakerState(entry.state, state);
      entry.instances[state] = (entry.instances[state] ?? 0) + 1;
      byTarget.set(target, entry);
    }
  }
  return [...byTarget]
    .map(([target, entry]) => ({ target, ...entry }))
    .sort((a, b) => a.target.localeCompare(b.target));
}

/** The instances of a service share its database, so each reports the same outbox: take the max. */
function eventsOf(latest: readonly InstanceSnapshot[], groupLag: number | undefined): EventStats | null {
  const stats: Record<string, number> = groupLag === undefined ? {} : { consumerLag: groupLag };
  for (const snapshot of latest) {
    for (const [key, value] of Object.entries(snapshot.events)) {
      if (typeof value === 'number') stats[key] = Math.max(stats[key] ?? value, value);
    }
  }
  return Object.keys(stats).length > 0 ? (stats as EventStats) : null;
}

function edgesOf(
  gatewayName: string,
  gateway: ServiceOverview | null,
  services: readonly ServiceOverview[],
  hasTransport: boolean,
): EdgeOverview[] {
  const edges: EdgeOverview[] = [];
  const gatewayBreakers = new Map(gateway?.breakers.map((breaker) => [breaker.target, breaker.state]));
  for (const service of services) {
    const breaker = gatewayBreakers.get(service.name);
    if (service.routePrefix || breaker) {
      edges.push({ from: gatewayName, to: service.name, kind: 'http', ...(breaker ? { breaker } : {}) });
    }
    for (const { target, state } of service.breakers) {
      edges.push({ from: service.name, to: target, kind: 'http', breaker: state });
    }
    if (hasTransport && service.events) edges.push({ from: service.name, to: 'transport', kind: 'events' });
  }
  return edges;
}
