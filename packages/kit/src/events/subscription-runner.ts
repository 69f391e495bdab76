import { trace } from '@opentelemetry/api';
import type { Database, Queryable } from '../db/index.js';
import type { Logger, Tracing } from '../telemetry/index.js';
import type { CloudEvent } from './cloud-event.js';
import { markRedriven, storeDeadLetter } from './dead-letters.js';
import type { Work } from './delivery-plan.js';
import { consumerSpan } from './event-spans.js';
import type { EventsMetrics } from './events-metrics.js';
import { isInInbox, recordInInbox } from './inbox.js';
import type { Subscription } from './subscription.js';
import type { Delivery } from './transports/event-transport.js';

/** What handling a delivery did for one subscription. */
export type DeliveryOutcome = 'processed' | 'duplicate' | 'dead_lettered' | 'ignored';

export interface SubscriptionRunnerOptions {
  readonly db: Database;
  readonly logger: Logger;
  readonly metrics?: EventsMetrics | undefined;
  readonly tracing?: Tracing | undefined;
}

/** An event given up on for one subscription. */
export interface GiveUp {
  readonly subscription: string;
  readonly eventId: string;
  /** Absent when the body was no CloudEvent; the body is kept as received then. */
  readonly event?: CloudEvent | undefined;
  readonly delivery: Delivery;
  readonly error: string;
  readonly attempts: number;
}

/**
 * Runs subscriptions' handlers: each in a transaction with its inbox row (so a redelivered event
 * has its effect once), in a CONSUMER span, counted; and writes the dead letters.
 */
export class SubscriptionRunner {
  readonly #options: SubscriptionRunnerOptions;

  constructor(options: SubscriptionRunnerOptions) {
    this.#options = options;
  }

  /**
   * Commits the batch in one transaction and pushes each work's outcome; answers the handler
   * failure that rolled it back instead, pushing nothing.
   */
  async commitBatch(
    batch: readonly Work[],
    outcomes: DeliveryOutcome[][],
  ): Promise<{ at: number; error: unknown } | undefined> {
    let failed: { at: number; error: unknown } | undefined;
    let results: ('processed' | 'duplicate')[];
    try {
      results = await this.#options.db.transaction(async (tx) => {
        const fresh = await recordInInbox(
          tx,
          batch.map((work) => ({ subscription: work.target.name, eventId: work.event.id })),
        );
        const results: ('processed' | 'duplicate')[] = [];
        for (const [at, work] of batch.entries()) {
          if (!fresh[at]) {
            results.push('duplicate');
            continue;
          }
          try {
            await this.traced('process', work.target, work.event, async () => {
              await this.#invoke(work.target, work.event, tx, 1);
              return 'processed';
            });
          } catch (error) {
            failed = { at, error };
            throw error;
          }
          results.push('processed');
        }
        return results;
      });
    } catch (error) {
      if (failed) return failed;
      throw error;
    }
    for (const [at, work] of batch.entries()) {
      const outcome = results[at]!;
      outcomes[work.index]!.push(outcome);
      this.#count(work.target, work.event, outcome);
    }
    return undefined;
  }

  /** One attempt in its own transaction; a redrive marks its dead letter in the same one. */
  async attempt(target: Subscription, event: CloudEvent, attempt: number, deadLetterId?: string) {
    const outcome = await this.#options.db.transaction(async (tx) => {
      const [fresh] = await recordInInbox(tx, [{ subscription: target.name, eventId: event.id }]);
      if (!fresh) return 'duplicate' as const;
      await this.#invoke(target, event, tx, attempt);
      if (deadLetterId) await markRedriven(tx, deadLetterId);
      return 'processed' as const;
    });
    this.#count(target, event, outcome);
    return outcome;
  }

  processed(target: Subscription, eventId: string): Promise<boolean> {
    return isInInbox(this.#options.db, { subscription: target.name, eventId });
  }

  async deadLetter(giveUp: GiveUp): Promise<'dead_lettered'> {
    const { db, logger, metrics } = this.#options;
    const { subscription, eventId, event, delivery, error, attempts } = giveUp;
    trace
      .getActiveSpan()
      ?.addEvent('dead-lettered', { 'flotilla.event.error': error, 'flotilla.event.attempts': attempts });
    await storeDeadLetter(db, {
      subscription,
      eventId,
      eventType: event?.type,
      payload: event ? JSON.stringify(event) : delivery.body,
      headers: delivery.headers,
      error,
      attempts,
    });
    metrics?.consumed.inc({ subscription, outcome: 'dead_lettered' });
    logger.error({ subscription, eventId, error, attempts }, 'event dead-lettered');
    return 'dead_lettered';
  }

  traced<T extends DeliveryOutcome>(
    operation: 'process' | 'redrive',
    target: Subscription,
    event: CloudEvent,
    handle: () => Promise<T>,
  ): Promise<T> {
    return consumerSpan(this.#options.tracing, operation, target.name, event, handle);
  }

  #invoke(target: Subscription, event: CloudEvent, tx: Queryable, attempt: number): Promise<void> {
    const logger = this.#options.logger.child({
      subscription: target.name,
      eventId: event.id,
      eventType: event.type,
    });
    return target.handler(event, { tx, attempt, logger });
  }

  #count(target: Subscription, event: CloudEvent, outcome: DeliveryOutcome): void {
    const { metrics } = this.#options;
    metrics?.consumed.inc({ subscription: target.name, outcome });
    const publishedAt = Date.parse(event.time ?? '');
    if (outcome === 'processed' && Number.isFinite(publishedAt)) {
      metrics?.consumerLag.set({ subscription: target.name }, Math.max(0, (Date.now() - publishedAt) / 1000));
    }
  }
}
