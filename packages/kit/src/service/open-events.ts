import type { Database } from '../db/index.js';
import {
  createEventsMetrics,
  openTransport,
  registerEventGauges,
  ServiceEvents,
  type SubscriberDirectory,
} from '../events/index.js';
import type { ServiceMetrics, Telemetry } from '../telemetry/index.js';
import type { Assembly } from './assembly.js';

/** The transport EVENTS_URL selects, and the outbox, relay and consumers over it. */
export async function openEvents(
  { definition, options, base, logger, lifecycle }: Assembly,
  { db, untraced }: { db: Database; untraced: Database },
  directory: SubscriberDirectory,
  telemetry: Telemetry,
  metrics: ServiceMetrics,
): Promise<ServiceEvents> {
  const transport = await openTransport({
    url: base.EVENTS_URL,
    db,
    directory,
    onError: (error) => logger.warn({ err: error }, 'event transport error'),
  });
  lifecycle.onShutdown('relay', () => transport.close());
  const events = new ServiceEvents({
    service: definition.name,
    db,
    transport,
    logger,
    metrics: createEventsMetrics(metrics.registry),
    tracing: telemetry,
    ...options.events,
    consumer: { prefetch: base.EVENTS_PREFETCH, ...options.events?.consumer },
  });
  registerEventGauges(metrics.registry, untraced);
  for (const entry of definition.subscriptions ?? []) events.dispatcher.add(entry);
  return events;
}
