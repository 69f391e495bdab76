/**
 * Events between services: contracts (`defineEvent`), publishing through the outbox, subscriptions with the
 * inbox, and the transports.
 *
 * @packageDocumentation
 */
export {
  CLOUD_EVENT_CONTENT_TYPE,
  type CloudEvent,
  isValidTraceparent,
  parseCloudEvent,
} from './cloud-event.js';
export { type DeadLetter, findDeadLetter, listDeadLetters } from './dead-letters.js';
export { defineEvent, type EventData, type EventDefinition } from './event-definition.js';
export { type DeliveryOutcome, EventDispatcher, type EventDispatcherOptions } from './event-dispatcher.js';
export { registerEventGauges } from './event-gauges.js';
export type {
  DeliveryEntry,
  EventLineage,
  InboxEntry,
  LineageDeadLetter,
  LineageOutboxEntry,
} from './event-lineage.js';
export { registerEventRoutes } from './event-routes.js';
export { createEventsMetrics, type EventsMetrics } from './events-metrics.js';
export {
  type HttpSubscriberDirectoryOptions,
  httpSubscriberDirectory,
  type SubscriptionList,
} from './http-subscriber-directory.js';
export { type OutboxBacklog, outboxBacklog } from './outbox-backlog.js';
export { type OutboxEntriesFilter, outboxEntries } from './outbox-entries.js';
export { OutboxRelay, type OutboxRelayOptions } from './outbox-relay.js';
export { OUTBOX_CHANNEL, type PublishOptions, publishEvent } from './publish-event.js';
export { runEventMigrations } from './run-event-migrations.js';
export { ServiceEvents, type ServiceEventsOptions } from './service-events.js';
export { noSubscribers, type Subscriber, type SubscriberDirectory } from './subscriber-directory.js';
export {
  type EventHandler,
  type EventPattern,
  type HandlerContext,
  type Subscription,
  type SubscriptionTarget,
  subscription,
} from './subscription.js';
export {
  CLOUD_EVENTS_BATCH_CONTENT_TYPE,
  type DeliverBatchResult,
  EmbeddedTransport,
} from './transports/embedded/embedded-transport.js';
export type {
  ConsumerBinding,
  Delivery,
  DeliveryHandler,
  EventTransport,
  PublishOutcome,
  TransportContext,
  TransportEngine,
} from './transports/event-transport.js';
export { type KafkaTopicSettings, type KafkaUrl, parseKafkaUrl } from './transports/kafka/kafka-url.js';
export { MemoryTransport, type MemoryTransportOptions } from './transports/memory-transport.js';
export {
  describeTransport,
  type OpenTransportOptions,
  openTransport,
  registerTransport,
  type TransportDescription,
} from './transports/resolve-transport.js';
export { matchesType } from './type-pattern.js';
