import { Counter, Gauge, type Registry } from 'prom-client';

/** The event metrics of a service. */
export interface EventsMetrics {
  /** `flotilla_outbox_sent_total`: events the transport confirmed. */
  readonly outboxSent: Counter;
  /** The alert metric: rows the relay gave up on. */
  readonly outboxParked: Counter;
  /** `flotilla_events_consumed_total`: deliveries by subscription and outcome. */
  readonly consumed: Counter<'subscription' | 'outcome'>;
  /** How far behind its events a subscription is: now minus the last processed event's time. */
  readonly consumerLag: Gauge<'subscription'>;
}

/** Registers the event metrics on `registry`. */
export function createEventsMetrics(registry: Registry): EventsMetrics {
  return {
    outboxSent: new Counter({
      name: 'flotilla_outbox_sent_total',
      help: 'Outbox events the transport confirmed.',
      registers: [registry],
    }),
    outboxParked: new Counter({
      name: 'flotilla_outbox_parked_total',
      help: 'Outbox events parked after their last publish attempt failed (alert on any increase).',
      registers: [registry],
    }),
    consumed: new Counter({
      name: 'flotilla_events_consumed_total',
      help: 'Deliveries handled per subscription, by outcome (processed, duplicate, dead_lettered).',
      labelNames: ['subscription', 'outcome'] as const,
      registers: [registry],
    }),
    consumerLag: new Gauge({
      name: 'flotilla_events_consumer_lag_seconds',
      help: 'Seconds between the last processed event being published and its handling committing.',
      labelNames: ['subscription'] as const,
      registers: [registry],
    }),
  };
}
