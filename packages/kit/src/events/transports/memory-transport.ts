import type { CloudEvent } from '../cloud-event.js';
import { matchesSubscription } from '../type-pattern.js';
import type { ConsumerBinding, DeliveryHandler, EventTransport, PublishOutcome } from './event-transport.js';

/** How an in-memory transport answers publishes. */
export interface MemoryTransportOptions {
  /**
   * Decides each event's outcome before it is delivered (a test's broker that says no, or never
   * answers); every event is accepted without it.
   */
  readonly accept?: (event: CloudEvent) => PublishOutcome | Promise<PublishOutcome>;
}

/**
 * A transport in this process's memory, for unit tests (the infra suite has the real brokers): it
 * hands each accepted event to every consumer whose binding matches, one batch per consumer per
 * publish, and reports it sent once each such consumer's handler resolved. Nothing survives the
 * process: never use it to run a service.
 */
export class MemoryTransport implements EventTransport {
  /** Its short name. */
  readonly kind = 'memory';
  /** Its name for people. */
  readonly label = 'in memory (tests)';
  /** The events it reported sent, in the order they were published. */
  readonly published: CloudEvent[] = [];
  readonly #options: MemoryTransportOptions;
  readonly #consumers = new Set<{ readonly binding: ConsumerBinding; readonly handler: DeliveryHandler }>();

  constructor(options: MemoryTransportOptions = {}) {
    this.#options = options;
  }

  /** Delivers each accepted event to the matching consumers. */
  async publish(events: readonly CloudEvent[]): Promise<PublishOutcome[]> {
    const outcomes: PublishOutcome[] = [];
    for (const event of events) outcomes.push((await this.#options.accept?.(event)) ?? { ok: true });
    const accepted = [...events.keys()].filter((index) => outcomes[index]?.ok);
    await Promise.all(
      [...this.#consumers].map(async ({ binding, handler }) => {
        const wanted = accepted.filter((index) => wants(binding, events[index]!));
        if (wanted.length === 0) return;
        try {
          await handler(
            wanted.map((index) => ({ body: JSON.stringify(events[index]), deliveryCount: 1, headers: {} })),
          );
        } catch (error) {
          const failure = { ok: false, error: `${binding.service}: ${(error as Error).message}` } as const;
          for (const index of wanted) outcomes[index] = failure;
        }
      }),
    );
    this.published.push(...events.filter((_event, index) => outcomes[index]?.ok));
    return outcomes;
  }

  /** Receives the events `binding` names. */
  async consume(binding: ConsumerBinding, handler: DeliveryHandler): Promise<() => Promise<void>> {
    const consumer = { binding, handler };
    this.#consumers.add(consumer);
    return async () => {
      this.#consumers.delete(consumer);
    };
  }

  /** Forgets every consumer. */
  async close(): Promise<void> {
    this.#consumers.clear();
  }
}

function wants(binding: ConsumerBinding, event: CloudEvent): boolean {
  return binding.patterns.some(({ from, pattern }) => matchesSubscription(from, [pattern], event));
}
