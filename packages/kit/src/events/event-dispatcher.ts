import type { Database } from '../db/index.js';
import type { BackoffOptions } from '../resilience/index.js';
import type { Logger, Tracing } from '../telemetry/index.js';
import type { CloudEvent } from './cloud-event.js';
import { markRedriven } from './dead-letters.js';
import { invalidData, orderKey, planDeliveries, withoutFailed } from './delivery-plan.js';
import type { EventsMetrics } from './events-metrics.js';
import { handleAlone } from './handle-alone.js';
import { KeyedRunner } from './keyed-runner.js';
import type { Subscription } from './subscription.js';
import { type DeliveryOutcome, SubscriptionRunner } from './subscription-runner.js';
import type { Delivery } from './transports/event-transport.js';

export type { DeliveryOutcome } from './subscription-runner.js';

/** What a dispatcher needs to run a service's subscriptions. */
export interface EventDispatcherOptions {
  /** Holds the inbox and the dead letters; each handling is a transaction on it. */
  readonly db: Database;
  /** The consuming service's name. */
  readonly service: string;
  /** Where failed attempts and dead letters are logged. */
  readonly logger: Logger;
  /** Handling outcomes and durations. */
  readonly metrics?: EventsMetrics;
  /** A CONSUMER span per handling, continuing the trace the event carries. */
  readonly tracing?: Tracing;
  /** Handler attempts per delivery before the event is dead-lettered. */
  readonly maxAttempts?: number;
  /** The wait between handler attempts. */
  readonly backoff?: BackoffOptions;
  /**
   * A message the transport has delivered this often without an ack (the consumer died while
   * handling it each time) is dead-lettered instead of being tried again.
   */
  readonly maxDeliveries?: number;
}

/**
 * Runs one service's subscriptions for each delivered event: each matching subscription's handler
 * in its own transaction with an inbox insert, retried with backoff, dead-lettered after the last
 * attempt or at once when the event is invalid. Resolves only when every matching subscription has
 * committed or dead-lettered, so the transport acks nothing that could still be lost.
 */
export class EventDispatcher {
  readonly #options: Required<Omit<EventDispatcherOptions, 'metrics' | 'tracing'>> &
    Pick<EventDispatcherOptions, 'metrics' | 'tracing'>;
  readonly #subscriptions: Subscription[] = [];
  readonly #runner: SubscriptionRunner;

  constructor(options: EventDispatcherOptions) {
    this.#options = {
      maxAttempts: 5,
      maxDeliveries: 10,
      backoff: { initialDelayMs: 100, maxDelayMs: 5_000 },
      ...options,
    };
    this.#runner = new SubscriptionRunner(options);
  }

  /** Adds a subscription; names are unique within the service. */
  add(subscription: Subscription): void {
    if (this.#subscriptions.some((existing) => existing.name === subscription.name)) {
      throw new Error(`subscribe: a subscription named "${subscription.name}" already exists`);
    }
    this.#subscriptions.push(subscription);
  }

  /** Its subscriptions, in the order added. */
  get subscriptions(): readonly Subscription[] {
    return this.#subscriptions;
  }

  /** The subscription of that name. */
  subscription(name: string): Subscription | undefined {
    return this.#subscriptions.find((candidate) => candidate.name === name);
  }

  /** Handles one delivery; rejects only when the outcome could not be stored (do not ack then). */
  async deliver(delivery: Delivery): Promise<DeliveryOutcome[]> {
    const [outcomes] = await this.deliverBatch([delivery]);
    return outcomes ?? [];
  }

  /**
   * Handles deliveries that arrived together, in order, and answers each one's outcomes. The
   * common case is one transaction for the lot: one multi-row inbox insert, then every new event's
   * handler. A handler that throws rolls that transaction back; its event (and that key's later
   * events) leave the batch for the one-by-one path with retries and dead letters, and the rest
   * is tried again without them. Rejects only when an outcome could not be stored (do not ack).
   */
  async deliverBatch(deliveries: readonly Delivery[]): Promise<DeliveryOutcome[][]> {
    const runner = this.#runner;
    const outcomes: DeliveryOutcome[][] = deliveries.map(() => []);
    const plan = planDeliveries(deliveries, this.#subscriptions, this.#options.maxDeliveries);
    await Promise.all(
      plan.rejected.map(({ index, work, ...giveUp }) => {
        outcomes[index]!.push('dead_lettered');
        const deadLetter = () => runner.deadLetter({ ...giveUp, event: work?.event, attempts: 0 });
        return work ? runner.traced('process', work.target, work.event, deadLetter) : deadLetter();
      }),
    );

    const { alone } = plan;
    for (let batch = plan.batch; batch.length > 0; ) {
      const failed = await runner.commitBatch(batch, outcomes);
      if (!failed) break;
      const { rest, alone: leaving } = withoutFailed(batch, failed.at, failed.error);
      alone.push(...leaving);
      batch = rest;
    }

    const keyed = new KeyedRunner();
    let unstored: { error: unknown } | undefined;
    for (const work of alone.sort((a, b) => a.index - b.index)) {
      keyed.run(orderKey(work), async () => {
        try {
          outcomes[work.index]!.push(
            await runner.traced('process', work.target, work.event, () =>
              handleAlone(work, runner, this.#options),
            ),
          );
        } catch (error) {
          unstored ??= { error };
        }
      });
    }
    await keyed.idle();
    if (unstored) throw unstored.error;
    return outcomes;
  }

  /**
   * Runs the handler once more for a dead-lettered event, in one transaction with its inbox insert
   * and the dead letter's redriven mark. Throws the handler's error if it fails again.
   */
  async redrive(subscriptionName: string, event: CloudEvent, deadLetterId: string): Promise<DeliveryOutcome> {
    const target = this.subscription(subscriptionName);
    if (!target) throw new Error(`no subscription named "${subscriptionName}" in this service`);
    const invalid = invalidData(target, event);
    if (invalid) throw new Error(invalid);
    const outcome = await this.#runner.traced('redrive', target, event, () =>
      this.#runner.attempt(target, event, 1, deadLetterId),
    );
    // Already in the inbox: the effect happened, so the dead letter is done with all the same.
    if (outcome === 'duplicate') await markRedriven(this.#options.db, deadLetterId);
    return outcome;
  }
}
