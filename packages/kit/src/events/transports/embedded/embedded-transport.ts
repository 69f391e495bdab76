import { Agent, request } from 'undici';
import type { Database } from '../../../db/index.js';
import type { CloudEvent } from '../../cloud-event.js';
import type { Subscriber, SubscriberDirectory } from '../../subscriber-directory.js';
import type { ConsumerBinding, DeliveryHandler, EventTransport, PublishOutcome } from '../event-transport.js';
import { embeddedEngine } from './index.js';

/** CloudEvents HTTP binding, batched content mode. */
export const CLOUD_EVENTS_BATCH_CONTENT_TYPE = 'application/cloudevents-batch+json';

/** What `POST /events/deliver` answers: how many leading events of the batch were committed. */
export interface DeliverBatchResult {
  /** Leading events committed; the relay resends the rest. */
  readonly accepted: number;
  /** Why the next one was not. */
  readonly error?: string;
}

export interface EmbeddedTransportOptions {
  /** The publisher's database: it records which subscriber has had which event. */
  readonly db: Database;
  readonly directory: SubscriberDirectory;
  readonly timeoutMs?: number;
}

/**
 * No broker: the publisher's relay POSTs each event batch to every subscribing service and
 * records, in its own database, which subscriber acknowledged which event. A retried event goes
 * only to the subscribers that have not had it; the event counts as sent when all have. Events
 * nobody subscribes to stay unsent (retried, then parked) instead of vanishing.
 */
export class EmbeddedTransport implements EventTransport {
  /** Its short name. */
  readonly kind = embeddedEngine.kind;
  /** Its name for people. */
  readonly label = embeddedEngine.label;
  readonly #options: EmbeddedTransportOptions;
  readonly #agent = new Agent({ connections: 16, pipelining: 1 });
  #handler: DeliveryHandler | undefined;

  constructor(options: EmbeddedTransportOptions) {
    this.#options = options;
  }

  /** POSTs the batch to every subscriber that has not acknowledged it yet. */
  async publish(events: readonly CloudEvent[]): Promise<PublishOutcome[]> {
    const { db, directory } = this.#options;
    const outcomes: PublishOutcome[] = events.map(() => ({ ok: true }));
    const targets = await Promise.all(
      events.map((event) => directory.subscribersOf(event.source, event.type)),
    );
    const { rows } = await db.query<{ event_id: string; subscriber: string }>(
      'SELECT event_id, subscriber FROM flotilla_deliveries WHERE event_id = ANY($1::uuid[])',
      [events.map((event) => event.id)],
    );
    const done = new Set(rows.map((row) => `${row.event_id} ${row.subscriber}`));

    // One ordered batch per subscriber: order within a key holds because a subscriber commits a
    // batch front to back and stops at the first event it cannot commit.
    const perSubscriber = new Map<string, { subscriber: Subscriber; indexes: number[] }>();
    events.forEach((event, index) => {
      const subscribers = targets[index] ?? [];
      if (subscribers.length === 0) {
        outcomes[index] = { ok: false, error: `no subscriber for ${event.type} from ${event.source}` };
      }
      for (const subscriber of subscribers) {
        if (done.has(`${event.id} ${subscriber.service}`)) continue;
        const entry = perSubscriber.get(subscriber.service) ?? { subscriber, indexes: [] };
        entry.indexes.push(index);
        perSubscriber.set(subscriber.service, entry);
      }
    });

    const delivered: { eventId: string; subscriber: string }[] = [];
    await Promise.all(
      [...perSubscriber.values()].map(async ({ subscriber, indexes }) => {
        const batch = indexes.map((index) => events[index]!);
        const result = await this.#post(subscriber, batch);
        indexes.forEach((index, position) => {
          if (position < result.accepted) {
            delivered.push({ eventId: events[index]!.id, subscriber: subscriber.service });
          } else if (outcomes[index]?.ok !== false) {
            outcomes[index] = {
              ok: false,
              error: `${subscriber.service}: ${result.error ?? 'not accepted'}`,
            };
          }
        });
      }),
    );
    if (delivered.length > 0) {
      await db.query(
        `INSERT INTO flotilla_deliveries (event_id, subscriber)
         SELECT * FROM unnest($1::uuid[], $2::text[]) ON CONFLICT DO NOTHING`,
        [delivered.map((entry) => entry.eventId), delivered.map((entry) => entry.subscriber)],
      );
    }
    return outcomes;
  }

  async #post(subscriber: Subscriber, batch: readonly CloudEvent[]): Promise<DeliverBatchResult> {
    const timeoutMs = this.#options.timeoutMs ?? 30_000;
    try {
      const response = await request(`${subscriber.url}/events/deliver`, {
        method: 'POST',
        dispatcher: this.#agent,
        headers: { 'content-type': CLOUD_EVENTS_BATCH_CONTENT_TYPE },
        body: JSON.stringify(batch),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const text = await response.body.text();
      if (response.statusCode !== 200) {
        return { accepted: 0, error: `HTTP ${response.statusCode} ${text.slice(0, 200)}` };
      }
      const result = JSON.parse(text) as DeliverBatchResult;
      return Number.isInteger(result.accepted) ? result : { accepted: 0, error: 'malformed answer' };
    } catch (error) {
      return { accepted: 0, error: (error as Error).message ?? String(error) };
    }
  }

  /** Deliveries arrive through the service's `POST /events/deliver`, which calls `deliver`. */
  async consume(_binding: ConsumerBinding, handler: DeliveryHandler): Promise<() => Promise<void>> {
    this.#handler = handler;
    return async () => {
      this.#handler = undefined;
    };
  }

  /**
   * Commits a received batch in the consumer's batched transactions (each key in order). All or
   * nothing as far as the publisher knows: on a failure it sends the batch again, and the inbox
   * skips the events already committed.
   */
  async deliver(batch: readonly unknown[], headers: Record<string, string>): Promise<DeliverBatchResult> {
    const handler = this.#handler;
    if (!handler) return { accepted: 0, error: 'not consuming' };
    try {
      await handler(batch.map((event) => ({ body: JSON.stringify(event), deliveryCount: 1, headers })));
      return { accepted: batch.length };
    } catch (error) {
      return { accepted: 0, error: (error as Error).message ?? String(error) };
    }
  }

  /** Forgets which subscriber had which event once the relay prunes those events' rows. */
  async prune(retentionMs: number): Promise<void> {
    await this.#options.db.query(
      `DELETE FROM flotilla_deliveries WHERE delivered_at < now() - $1 * interval '1 millisecond'`,
      [retentionMs],
    );
  }

  /** Closes the HTTP connections. */
  async close(): Promise<void> {
    await this.#agent.close();
  }
}
