import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { connect, type NatsConnection, headers as natsHeaders } from '@nats-io/transport-node';
import type { CloudEvent } from '../../cloud-event.js';
import { keyOf } from '../../keyed-runner.js';
import { CONSUMER_BATCHES, DeliveryBatcher } from '../delivery-batcher.js';
import type {
  ConsumerBinding,
  Delivery,
  DeliveryHandler,
  EventTransport,
  PublishOutcome,
} from '../event-transport.js';
import { natsEngine } from './index.js';

export interface NatsTransportOptions {
  readonly url: string;
  /** Subjects are `<prefix>.<publisher>.<type>`; streams `<prefix>_<publisher>`. */
  readonly prefix: string;
  readonly onError: (error: Error) => void;
  /** How long the server waits for an ack before redelivering. */
  readonly ackWaitMs?: number;
  /** Broker-side backstop on deliveries of one message. */
  readonly maxDeliver?: number;
}

/**
 * NATS JetStream: one file-backed stream per publisher (created by whichever side comes first,
 * with the same config), one durable pull consumer per subscribing service and publisher, explicit
 * acks. Publishes carry the event id as `Nats-Msg-Id`, so a republish within the stream's
 * duplicate window is dropped by the server. The client reconnects forever.
 */
export class NatsTransport implements EventTransport {
  readonly kind = natsEngine.kind;
  readonly label = natsEngine.label;
  readonly #options: NatsTransportOptions;
  readonly #connection: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #streams = new Map<string, Promise<void>>();

  private constructor(options: NatsTransportOptions, connection: NatsConnection, jsm: JetStreamManager) {
    this.#options = options;
    this.#connection = connection;
    this.#jsm = jsm;
    this.#js = jetstream(connection);
  }

  static async connect(options: NatsTransportOptions): Promise<NatsTransport> {
    const connection = await connect({
      servers: options.url.replace(/^nats:\/\//, ''),
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
    });
    void (async () => {
      for await (const status of connection.status()) {
        if (status.type === 'error') options.onError(new Error(`nats: ${String(status.error)}`));
      }
    })();
    return new NatsTransport(options, connection, await jetstreamManager(connection));
  }

  streamOf(publisher: string): string {
    return `${this.#options.prefix}_${publisher}`.replace(/[^A-Za-z0-9_-]/g, '_');
  }

  subjectOf(event: CloudEvent): string {
    return `${this.#options.prefix}.${event.source.replace(/^\//, '')}.${event.type}`;
  }

  #ensureStream(publisher: string): Promise<void> {
    const name = this.streamOf(publisher);
    let ready = this.#streams.get(name);
    if (!ready) {
      ready = (async () => {
        try {
          await this.#jsm.streams.info(name);
        } catch {
          await this.#jsm.streams
            .add({
              name,
              subjects: [`${this.#options.prefix}.${publisher}.>`],
              storage: StorageType.File,
              retention: RetentionPolicy.Limits,
              duplicate_window: 120_000_000_000,
            })
            .catch(async (error: unknown) => {
              // Created by another process meanwhile.
              await this.#jsm.streams.info(name).catch(() => {
                throw error;
              });
            });
        }
      })();
      ready.catch(() => this.#streams.delete(name));
      this.#streams.set(name, ready);
    }
    return ready;
  }

  async publish(events: readonly CloudEvent[]): Promise<PublishOutcome[]> {
    const publishers = new Set(events.map((event) => event.source.replace(/^\//, '')));
    try {
      await Promise.all([...publishers].map((publisher) => this.#ensureStream(publisher)));
    } catch (error) {
      return events.map(() => ({ ok: false, error: `NATS stream unavailable: ${(error as Error).message}` }));
    }
    // Issued in order on one connection, so the stream stores each key's events in order.
    return Promise.all(
      events.map(async (event): Promise<PublishOutcome> => {
        const headers = natsHeaders();
        headers.set('content-type', 'application/cloudevents+json');
        if (event.traceparent) headers.set('traceparent', event.traceparent);
        try {
          await this.#js.publish(this.subjectOf(event), JSON.stringify(event), { msgID: event.id, headers });
          return { ok: true };
        } catch (error) {
          return { ok: false, error: `not acknowledged by JetStream: ${(error as Error).message}` };
        }
      }),
    );
  }

  async consume(binding: ConsumerBinding, handler: DeliveryHandler): Promise<() => Promise<void>> {
    const byPublisher = new Map<string, string[]>();
    for (const { from, pattern } of binding.patterns) {
      byPublisher.set(from, [...(byPublisher.get(from) ?? []), `${this.#options.prefix}.${from}.${pattern}`]);
    }
    const batcher = new DeliveryBatcher<{ message: JsMsg; delivery: Delivery }>({
      maxBatch: binding.prefetch,
      concurrency: CONSUMER_BATCHES,
      handle: async (batch) => {
        try {
          await handler(batch.map((entry) => entry.delivery));
        } catch {
          for (const { message } of batch) message.nak(1_000);
          return;
        }
        // A lost ack costs a redelivery the inbox absorbs, so acks are not awaited.
        for (const { message } of batch) message.ack();
      },
    });
    const stops: (() => Promise<void>)[] = [];
    for (const [publisher, filters] of byPublisher) {
      await this.#ensureStream(publisher);
      const stream = this.streamOf(publisher);
      const config = {
        durable_name: binding.service,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: (this.#options.ackWaitMs ?? 30_000) * 1_000_000,
        max_deliver: this.#options.maxDeliver ?? 50,
        max_ack_pending: binding.prefetch,
        // One filter works on every JetStream server; several need 2.10 (filter_subjects), so
        // with several the consumer takes all the publisher's events and skips the unwanted ones.
        filter_subject: filters.length === 1 ? filters[0]! : `${this.#options.prefix}.${publisher}.>`,
      };
      try {
        await this.#jsm.consumers.info(stream, binding.service);
        await this.#jsm.consumers.update(stream, binding.service, {
          filter_subject: config.filter_subject,
          max_ack_pending: binding.prefetch,
          ack_wait: config.ack_wait,
          max_deliver: config.max_deliver,
        });
      } catch {
        await this.#jsm.consumers.add(stream, config);
      }
      const consumer = await this.#js.consumers.get(stream, binding.service);
      const messages = await consumer.consume({ max_messages: binding.prefetch });
      const loop = (async () => {
        for await (const message of messages) {
          const body = message.string();
          const headers: Record<string, string> = { subject: message.subject };
          for (const [name, values] of message.headers ?? []) headers[name] = values.join(',');
          batcher.add(
            { message, delivery: { body, deliveryCount: message.info.deliveryCount, headers } },
            keyOf(body),
          );
        }
      })();
      stops.push(async () => {
        await messages.close();
        await loop;
      });
    }
    return async () => {
      await Promise.all(stops.map((stop) => stop()));
      await batcher.idle();
    };
  }

  async close(): Promise<void> {
    await this.#connection.drain().catch(() => this.#connection.close());
  }
}
