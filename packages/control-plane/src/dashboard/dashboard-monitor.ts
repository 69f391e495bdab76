import { FlotillaError } from '@flotilla/kit/errors';
import { buildOverview } from './build-overview.js';
import { type ConsumerLagReading, readConsumerLag } from './consumer-lag.js';
import {
  type DashboardOptions,
  defaultInstancePaths,
  type InstancePaths,
  type ServiceView,
} from './dashboard-options.js';
import { instanceCall } from './instance-call.js';
import type { Overview } from './overview.js';
import { type InstanceSnapshot, scrapeInstance } from './scrape-instance.js';

/**
 * Keeps a short scrape history per instance and turns it into the overview. Scraping runs in the
 * background only while someone watches (an overview was asked for within `idleAfterMs`), so an
 * unwatched control plane costs its services nothing; the first request after a pause scrapes at once.
 */
export class DashboardMonitor {
  private readonly history = new Map<string, InstanceSnapshot[]>();
  private consumerLag: ConsumerLagReading | undefined;
  private readonly paths: InstancePaths;
  private readonly now: () => number;
  private readonly intervalMs: number;
  private lastWatched = Number.NEGATIVE_INFINITY;
  private lastScrape = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: DashboardOptions) {
    this.paths = { ...defaultInstancePaths, ...options.paths };
    this.now = options.now ?? Date.now;
    this.intervalMs = options.scrapeIntervalMs ?? 2000;
  }

  async overview(): Promise<Overview> {
    this.lastWatched = this.now();
    const [services, problems] = await Promise.all([
      this.listServices(),
      this.options.processProblems?.() ?? [],
    ]);
    if (this.now() - this.lastScrape >= this.intervalMs) await this.scrape(services);
    this.scheduleNext();
    return buildOverview({
      services,
      snapshotsOf: (service, id) => this.history.get(keyOf(service, id)) ?? [],
      transport: this.options.transport?.(),
      ...(this.options.consumerLag && this.consumerLag
        ? { consumerLag: { groupPrefix: this.options.consumerLag.groupPrefix, reading: this.consumerLag } }
        : {}),
      gatewayName: this.options.gatewayName ?? 'gateway',
      problems,
      refreshMs: this.intervalMs,
      tracesApi: this.options.tracesApi ?? '/api/traces',
      now: this.now(),
    });
  }

  /** The registry's current view; a failing registry is a 503 naming it. */
  async listServices(): Promise<readonly ServiceView[]> {
    try {
      return await this.options.listServices();
    } catch (error) {
      throw new FlotillaError('UPSTREAM_UNAVAILABLE', { extensions: { upstream: 'registry' }, cause: error });
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private scheduleNext(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.now() - this.lastWatched > (this.options.idleAfterMs ?? 30_000)) return;
      this.listServices()
        .then((services) => this.scrape(services))
        // A failed round is retried at the next tick; the page shows the last good figures meanwhile.
        .catch(() => undefined)
        .finally(() => this.scheduleNext());
    }, this.intervalMs);
    this.timer.unref();
  }

  /** One scrape of every instance; concurrent callers share the round in progress. */
  private scrape(services: readonly ServiceView[]): Promise<void> {
    this.inFlight ??= this.scrapeAll(services).finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async scrapeAll(services: readonly ServiceView[]): Promise<void> {
    const scrapeOptions = {
      ...instanceCall(this.options),
      paths: this.paths,
      now: this.now,
    };
    const windowMs = this.options.windowMs ?? 10_000;
    const live = new Set<string>();
    const reader = this.options.consumerLag;
    await Promise.all([
      reader
        ? readConsumerLag(reader).then((reading) => {
            this.consumerLag = reading;
          })
        : undefined,
      ...services.flatMap((service) =>
        service.instances.map(async (instance) => {
          const key = keyOf(service.name, instance.id);
          live.add(key);
          const snapshot = await scrapeInstance(service.name, instance, scrapeOptions);
          const kept = (this.history.get(key) ?? []).filter((old) => snapshot.at - old.at <= windowMs);
          this.history.set(key, [...kept, snapshot]);
        }),
      ),
    ]);
    for (const key of this.history.keys()) if (!live.has(key)) this.history.delete(key);
    this.lastScrape = this.now();
  }
}

function keyOf(service: string, instanceId: string): string {
  return `${service}\u0000${instanceId}`;
}
