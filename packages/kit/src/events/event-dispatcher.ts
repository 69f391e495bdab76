import { trace } from '@opentelemetry/api';
import { type Database, newId } from '../db/index.js';
import { extractTraceContext, type Logger, SpanKind, type Tracing } from '../telemetry/index.js';
import { type BackoffOptions, backoffDelay } from './backoff-delay.js';
import { type CloudEvent, parseCloudEvent } from './cloud-event.js';
import type { Delivery } from './event-transport.js';
import type { EventsMetrics } from './events-metrics.js';
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
    const parsed = parseCloudEvent(delivery.body);
    if ('error' in parsed) {
      const eventId = idOf(delivery.body) ?? newId();
      await this.#deadLetter(
        UNPARSEABLE,
        eventId,
        undefined,
        delivery,
        `invalid CloudEvent: ${parsed.error}`,
        0,
      );
      return ['dead_lettered'];
    }
    const { event } = parsed;
    const matching = this.#subscriptions.filter(
      (candidate) =>
        event.source === `/${candidate.from}` &&
        candidate.patterns.some((pattern) => matchesType(pattern, event.type)),
    );
    return Promise.all(
      matching.map((candidate) =>
        this.#traced('process', candidate, event, () => this.#handle(candidate, event, delivery)),
      ),
    );
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

  async #handle(target: Subscription, event: CloudEvent, delivery: Delivery): Promise<DeliveryOutcome> {
    const { maxAttempts, maxDeliveries, backoff, logger } = this.#options;
    const definition = target.definitions.get(event.type);
    const invalid = definition ? schemaErrors(compiled(definition), event.data) : undefined;
    if (invalid) {
      return this.#deadLetter(target.name, event.id, event, delivery, `invalid data: ${invalid}`, 0);
    }
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
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#attempt(target, event, attempt);
      } catch (error) {
        const message = (error as Error).message ?? String(error);
        if (attempt >= maxAttempts) {
          return this.#deadLetter(target.name, event.id, event, delivery, message, attempt);
        }
        logger.warn(
          { subscription: target.name, eventId: event.id, attempt, err: error },
          'event handler failed; retrying',
        );
        await sleep(backoffDelay(attempt, backoff));
      }
    }
  }

  async #attempt(
    target: Subscription,
    event: CloudEvent,
    attempt: number,
    deadLetterId?: string,
  ): Promise<DeliveryOutcome> {
    const { db, logger, metrics } = this.#options;
    const outcome = await db.transaction(async (tx) => {
      const { rowCount } = await tx.query(
        'INSERT INTO flotilla_inbox (subscription, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [target.name, event.id],
      );
      if (rowCount === 0) return 'duplicate' as const;
      await target.handler(event, {
        tx,
        attempt,
        logger: logger.child({ subscription: target.name, eventId: event.id, eventType: event.type }),
      });
      if (deadLetterId) {
        await tx.query('UPDATE flotilla_dead_letters SET redriven_at = now() WHERE id = $1', [deadLetterId]);
      }
      return 'processed' as const;
    });
    metrics?.consumed.inc({ subscription: target.name, outcome });
    const publishedAt = Date.parse(event.time ?? '');
    if (outcome === 'processed' && Number.isFinite(publishedAt)) {
      metrics?.consumerLag.set({ subscription: target.name }, Math.max(0, (Date.now() - publishedAt) / 1000));
    }
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
