import { trace } from '@opentelemetry/api';
import { type Database, newId, type Queryable } from '../db/index.js';
import { type BackoffOptions, backoffDelay } from '../resilience/index.js';
import { extractTraceContext, type Logger, SpanKind, type Tracing } from '../telemetry/index.js';
import { type CloudEvent, parseCloudEvent } from './cloud-event.js';
import type { Delivery } from './event-transport.js';
import type { EventsMetrics } from './events-metrics.js';
import { KeyedRunner } from './keyed-runner.js';
import { compiled } from './publish-event.js';
import { schemaErrors } from './schema-errors.js';
import type { Subscription } from './subscription.js';
import { matchesType } from './type-pattern.js';

export interface EventDispatcherOptions {
  readonly db: Database;
  readonly service: string;
  readonly logger: Logger;
  readonly metrics?: EventsMetrics;
  /** A CONSUMER span per handling, continuing the trace the event carries. */
  readonly tracing?: Tracing;
  /** Handler attempts per delivery before the event is dead-lettered. */
  readonly maxAttempts?: number;
  readonly backoff?: BackoffOptions;
  /**
   * A message the transport has delivered this often without an ack (the consumer died while
   * handling it each time) is dead-lettered instead of being tried again.
   */
  readonly maxDeliveries?: number;
}

export type DeliveryOutcome = 'processed' | 'duplicate' | 'dead_lettered' | 'ignored';

/** A body that is not a valid CloudEvent belongs to no subscription; it is kept under this name. */
const UNPARSEABLE = '(unparseable)';

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

  constructor(options: EventDispatcherOptions) {
    this.#options = {
      maxAttempts: 5,
      maxDeliveries: 10,
      backoff: { initialDelayMs: 100, maxDelayMs: 5_000 },
      ...options,
    };
  }

  add(subscription: Subscription): void {
    if (this.#subscriptions.some((existing) => existing.name === subscription.name)) {
      throw new Error(`subscribe: a subscription named "${subscription.name}" already exists`);
    }
    this.#subscriptions.push(subscription);
  }

  get subscriptions(): readonly Subscription[] {
    return this.#subscriptions;
  }

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
    const outcomes: DeliveryOutcome[][] = deliveries.map(() => []);
    const dead: Promise<unknown>[] = [];
    let batch: Work[] = [];
    const alone: Work[] = [];
    const aloneKeys = new Set<string>();
    for (const [index, delivery] of deliveries.entries()) {
      const parsed = parseCloudEvent(delivery.body);
      if ('error' in parsed) {
        const eventId = idOf(delivery.body) ?? newId();
        outcomes[index]!.push('dead_lettered');
        dead.push(
          this.#deadLetter(
            UNPARSEABLE,
            eventId,
            undefined,
            delivery,
            `invalid CloudEvent: ${parsed.error}`,
            0,
          ),
        );
        continue;
      }
      const { event } = parsed;
      for (const target of this.#matching(event)) {
        const definition = target.definitions.get(event.type);
        const invalid = definition ? schemaErrors(compiled(definition), event.data) : undefined;
        if (invalid) {
          outcomes[index]!.push('dead_lettered');
          dead.push(
            this.#traced('process', target, event, () =>
              this.#deadLetter(target.name, event.id, event, delivery, `invalid data: ${invalid}`, 0),
            ),
          );
          continue;
        }
        const work: Work = { index, target, event, delivery, firstAttempt: 1 };
        const key = orderKey(work);
        // Redelivered too often, or behind such an event of its key: handled one by one, in order.
        if (delivery.deliveryCount > this.#options.maxDeliveries || (key && aloneKeys.has(key))) {
          if (key) aloneKeys.add(key);
          alone.push(work);
        } else batch.push(work);
      }
    }
    await Promise.all(dead);

    while (batch.length > 0) {
      const failed = await this.#commitBatch(batch, outcomes);
      if (!failed) break;
      const { at, error } = failed;
      const work = batch[at]!;
      const key = orderKey(work);
      const leaving = batch.filter(
        (other, position) => position === at || (key && position > at && orderKey(other) === key),
      );
      batch = batch.filter((other) => !leaving.includes(other));
      alone.push(
        ...leaving.map((other) =>
          other === work ? { ...other, firstAttempt: 2, failure: { error } } : other,
        ),
      );
    }

    const runner = new KeyedRunner();
    let unstored: { error: unknown } | undefined;
    alone.sort((a, b) => a.index - b.index);
    for (const work of alone) {
      runner.run(orderKey(work), async () => {
        try {
          outcomes[work.index]!.push(
            await this.#traced('process', work.target, work.event, () => this.#handle(work)),
          );
        } catch (error) {
          unstored ??= { error };
        }
      });
    }
    await runner.idle();
    if (unstored) throw unstored.error;
    return outcomes;
  }

  #matching(event: CloudEvent): Subscription[] {
    return this.#subscriptions.filter(
      (candidate) =>
        event.source === `/${candidate.from}` &&
        candidate.patterns.some((pattern) => matchesType(pattern, event.type)),
    );
  }

  /** One transaction for the batch; answers the handler failure that rolled it back, if any. */
  async #commitBatch(
    batch: readonly Work[],
    outcomes: DeliveryOutcome[][],
  ): Promise<{ at: number; error: unknown } | undefined> {
    const { db } = this.#options;
    let failed: { at: number; error: unknown } | undefined;
    let results: ('processed' | 'duplicate')[];
    try {
      results = await db.transaction(async (tx) => {
        const { rows } = await tx.query<{ subscription: string; event_id: string }>(
          `INSERT INTO flotilla_inbox (subscription, event_id)
           SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING
           RETURNING subscription, event_id`,
          [batch.map((work) => work.target.name), batch.map((work) => work.event.id)],
        );
        // A set entry is used once: the same event twice in one batch has its effect once.
        const fresh = new Set(rows.map((row) => `${row.subscription}\n${row.event_id}`));
        const results: ('processed' | 'duplicate')[] = [];
        for (const [at, work] of batch.entries()) {
          if (!fresh.delete(`${work.target.name}\n${work.event.id}`)) {
            results.push('duplicate');
            continue;
          }
          try {
            await this.#runHandler(work, tx, 1);
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

  async #runHandler(work: Work, tx: Queryable, attempt: number): Promise<void> {
    const { target, event } = work;
    const run = () => this.#invoke(target, event, tx, attempt);
    if (!this.#options.tracing) return run();
    await this.#traced('process', target, event, async () => {
      await run();
      return 'processed';
    });
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

  /**
   * Runs the handler once more for a dead-lettered event, in one transaction with its inbox insert
   * and the dead letter's redriven mark. Throws the handler's error if it fails again.
   */
  async redrive(subscriptionName: string, event: CloudEvent, deadLetterId: string): Promise<DeliveryOutcome> {
    const target = this.subscription(subscriptionName);
    if (!target) throw new Error(`no subscription named "${subscriptionName}" in this service`);
    const definition = target.definitions.get(event.type);
    const invalid = definition ? schemaErrors(compiled(definition), event.data) : undefined;
    if (invalid) throw new Error(`invalid data: ${invalid}`);
    const outcome = await this.#traced('redrive', target, event, () =>
      this.#attempt(target, event, 1, deadLetterId),
    );
    if (outcome === 'duplicate') {
      await this.#options.db.query('UPDATE flotilla_dead_letters SET redriven_at = now() WHERE id = $1', [
        deadLetterId,
      ]);
    }
    return outcome;
  }

  #traced(
    operation: 'process' | 'redrive',
    target: Subscription,
    event: CloudEvent,
    handle: () => Promise<DeliveryOutcome>,
  ): Promise<DeliveryOutcome> {
    const { tracing } = this.#options;
    if (!tracing) return handle();
    return tracing.withSpan(
      `${event.type} ${operation}`,
      {
        kind: SpanKind.CONSUMER,
        parent: extractTraceContext({ traceparent: event.traceparent }),
        attributes: {
          'messaging.system': 'flotilla',
          'messaging.operation.type': 'process',
          'messaging.destination.name': event.type,
          'messaging.message.id': event.id,
          'messaging.consumer.group.name': target.name,
        },
      },
      async (span) => {
        const outcome = await handle();
        span.setAttribute('flotilla.event.outcome', outcome);
        return outcome;
      },
    );
  }

  /** One event for one subscription on its own: its transactions, retries, then a dead letter. */
  async #handle(work: Work): Promise<DeliveryOutcome> {
    const { maxAttempts, maxDeliveries, backoff, logger } = this.#options;
    const { target, event, delivery } = work;
    if (delivery.deliveryCount > maxDeliveries && !(await this.#processed(target.name, event.id))) {
      return this.#deadLetter(
        target.name,
        event.id,
        event,
        delivery,
        `delivered ${delivery.deliveryCount} times without being acknowledged`,
        0,
      );
    }
    let failure = work.failure;
    for (let attempt = work.firstAttempt; ; attempt++) {
      if (failure) {
        const failed = attempt - 1;
        const message = (failure.error as Error)?.message ?? String(failure.error);
        if (failed >= maxAttempts) {
          return this.#deadLetter(target.name, event.id, event, delivery, message, failed);
        }
        logger.warn(
          { subscription: target.name, eventId: event.id, attempt: failed, err: failure.error },
          'event handler failed; retrying',
        );
        await sleep(backoffDelay(failed, backoff));
      }
      try {
        return await this.#attempt(target, event, attempt);
      } catch (error) {
        failure = { error };
      }
    }
  }

  async #attempt(
    target: Subscription,
    event: CloudEvent,
    attempt: number,
    deadLetterId?: string,
  ): Promise<DeliveryOutcome> {
    const { db } = this.#options;
    const outcome = await db.transaction(async (tx) => {
      const { rowCount } = await tx.query(
        'INSERT INTO flotilla_inbox (subscription, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [target.name, event.id],
      );
      if (rowCount === 0) return 'duplicate' as const;
      await this.#invoke(target, event, tx, attempt);
      if (deadLetterId) {
        await tx.query('UPDATE flotilla_dead_letters SET redriven_at = now() WHERE id = $1', [deadLetterId]);
      }
      return 'processed' as const;
    });
    this.#count(target, event, outcome);
    return outcome;
  }

  async #processed(subscriptionName: string, eventId: string): Promise<boolean> {
    const { rowCount } = await this.#options.db.query(
      'SELECT 1 FROM flotilla_inbox WHERE subscription = $1 AND event_id = $2',
      [subscriptionName, eventId],
    );
    return rowCount > 0;
  }

  async #deadLetter(
    subscriptionName: string,
    eventId: string,
    event: CloudEvent | undefined,
    delivery: Delivery,
    error: string,
    attempts: number,
  ): Promise<'dead_lettered'> {
    const { db, logger, metrics } = this.#options;
    trace
      .getActiveSpan()
      ?.addEvent('dead-lettered', { 'flotilla.event.error': error, 'flotilla.event.attempts': attempts });
    // A redelivery of an event already dead-lettered (ack lost) refreshes the row, never adds one.
    await db.query(
      `INSERT INTO flotilla_dead_letters (id, subscription, event_id, event_type, payload, headers, error, attempts)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (subscription, event_id) DO UPDATE
         SET error = EXCLUDED.error, attempts = EXCLUDED.attempts, headers = EXCLUDED.headers, redriven_at = NULL`,
      [
        newId(),
        subscriptionName,
        eventId,
        event?.type ?? null,
        event ? JSON.stringify(event) : delivery.body,
        JSON.stringify(delivery.headers),
        error,
        attempts,
      ],
    );
    metrics?.consumed.inc({ subscription: subscriptionName, outcome: 'dead_lettered' });
    logger.error({ subscription: subscriptionName, eventId, error, attempts }, 'event dead-lettered');
    return 'dead_lettered';
  }
}

/** One event for one matching subscription. */
interface Work {
  /** Position of its delivery in the batch. */
  readonly index: number;
  readonly target: Subscription;
  readonly event: CloudEvent;
  readonly delivery: Delivery;
  /** The attempt to make next; after a failed first attempt in a batch it is 2. */
  readonly firstAttempt: number;
  /** Why the attempt before `firstAttempt` failed. */
  readonly failure?: { readonly error: unknown };
}

/** Events of one subscription with one key are handled in order; keyless ones in any order. */
function orderKey(work: Work): string | undefined {
  return work.event.subject === undefined ? undefined : `${work.target.name}\n${work.event.subject}`;
}

function idOf(body: string): string | undefined {
  try {
    const id = (JSON.parse(body) as { id?: unknown }).id;
    return typeof id === 'string' && id !== '' ? id.slice(0, 200) : undefined;
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
