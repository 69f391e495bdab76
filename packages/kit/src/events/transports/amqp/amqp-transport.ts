import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import { CLOUD_EVENT_CONTENT_TYPE, type CloudEvent } from '../../cloud-event.js';
import { keyOf } from '../../keyed-runner.js';
import { CONSUMER_BATCHES, DeliveryBatcher } from '../delivery-batcher.js';
import type {
  ConsumerBinding,
  Delivery,
  DeliveryHandler,
  EventTransport,
  PublishOutcome,
} from '../event-transport.js';
import { amqpEngine } from './index.js';

export interface AmqpTransportOptions {
  readonly url: string;
  /** The topic exchange every service publishes to. */
  readonly exchange: string;
  readonly onError: (error: Error) => void;
  /** Broker-side backstop: a message redelivered this often goes to the dead-letter exchange. */
  readonly deliveryLimit?: number;
  readonly reconnectDelayMs?: number;
}

/** `<publisher>.<type>`: bindings can select a publisher and a type pattern. */
export function routingKeyOf(event: CloudEvent): string {
  return `${event.source.replace(/^\//, '')}.${event.type}`;
}

/**
 * RabbitMQ: one durable topic exchange; per subscribing service one durable quorum queue with a
 * dead-letter exchange. Publishes with confirms and `mandatory`, so an event no queue takes comes
 * back (basic.return arrives before its ack) and is reported as not sent. Reconnects lazily for
 * publishing and in the background for consuming.
 */
export class AmqpTransport implements EventTransport {
  readonly kind = amqpEngine.kind;
  readonly label = amqpEngine.label;
  readonly #options: AmqpTransportOptions;
  #connection: Promise<{ model: ChannelModel; publisher: ConfirmChannel }> | undefined;
  #closed = false;

  private constructor(options: AmqpTransportOptions) {
    this.#options = options;
  }

  static async connect(options: AmqpTransportOptions): Promise<AmqpTransport> {
    const transport = new AmqpTransport(options);
    await transport.#connect();
    return transport;
  }

  #connect(): Promise<{ model: ChannelModel; publisher: ConfirmChannel }> {
    this.#connection ??= (async () => {
      const model = await amqp.connect(this.#options.url);
      const forget = (error?: Error) => {
        this.#connection = undefined;
        if (error && !this.#closed) this.#options.onError(error);
      };
      model.on('error', forget);
      model.on('close', () => forget());
      const publisher = await model.createConfirmChannel();
      publisher.on('error', forget);
      await publisher.assertExchange(this.#options.exchange, 'topic', { durable: true });
      return { model, publisher };
    })().catch((error: unknown) => {
      this.#connection = undefined;
      throw error;
    });
    return this.#connection;
  }

  async publish(events: readonly CloudEvent[]): Promise<PublishOutcome[]> {
    let publisher: ConfirmChannel;
    try {
      ({ publisher } = await this.#connect());
    } catch (error) {
      return events.map(() => ({ ok: false, error: `RabbitMQ unreachable: ${(error as Error).message}` }));
    }
    const returned = new Set<string>();
    const onReturn = (message: ConsumeMessage) => {
      if (message.properties.messageId) returned.add(String(message.properties.messageId));
    };
    publisher.on('return', onReturn);
    try {
      return await Promise.all(
        events.map(
          (event) =>
            new Promise<PublishOutcome>((resolve) => {
              const body = Buffer.from(JSON.stringify(event));
              try {
                publisher.publish(
                  this.#options.exchange,
                  routingKeyOf(event),
                  body,
                  {
                    persistent: true,
                    mandatory: true,
                    messageId: event.id,
                    contentType: CLOUD_EVENT_CONTENT_TYPE,
                    timestamp: Math.floor(Date.parse(event.time) / 1000),
                    headers: event.traceparent ? { traceparent: event.traceparent } : {},
                  },
                  (error: unknown) => {
                    if (error) resolve({ ok: false, error: `not confirmed: ${String(error)}` });
                    else if (returned.has(event.id)) {
                      resolve({ ok: false, error: `unroutable: no queue bound for ${routingKeyOf(event)}` });
                    } else resolve({ ok: true });
                  },
                );
              } catch (error) {
                resolve({ ok: false, error: (error as Error).message });
              }
            }),
        ),
      );
    } finally {
      publisher.off('return', onReturn);
    }
  }

  async consume(binding: ConsumerBinding, handler: DeliveryHandler): Promise<() => Promise<void>> {
    const { exchange } = this.#options;
    const queue = `${exchange}.${binding.service}`;
    let stopped = false;
    let current: { model: ChannelModel; channel: Channel; tag: string } | undefined;
    let retry: NodeJS.Timeout | undefined;
    const batcher = new DeliveryBatcher<{ channel: Channel; message: ConsumeMessage; delivery: Delivery }>({
      maxBatch: binding.prefetch,
      concurrency: CONSUMER_BATCHES,
      handle: async (batch) => {
        try {
          await handler(batch.map((entry) => entry.delivery));
          for (const { channel, message } of batch) channel.ack(message);
        } catch {
          // Not stored: give them back after a pause instead of spinning on a broken database.
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          for (const { channel, message } of batch) {
            try {
              channel.nack(message, false, true);
            } catch {
              // The channel is gone; the broker redelivers the unacked message anyway.
            }
          }
        }
      },
    });

    const open = async () => {
      const model = await amqp.connect(this.#options.url);
      model.on('error', (error: Error) => this.#options.onError(error));
      const channel = await model.createChannel();
      await channel.assertExchange(exchange, 'topic', { durable: true });
      // Direct, keyed by queue: each service's broker-side dead letters reach only its own queue.
      await channel.assertExchange(`${exchange}.dead-letters`, 'direct', { durable: true });
      await channel.assertQueue(`${queue}.dead`, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
      await channel.bindQueue(`${queue}.dead`, `${exchange}.dead-letters`, queue);
      await channel.assertQueue(queue, {
        durable: true,
        arguments: {
          'x-queue-type': 'quorum',
          'x-dead-letter-exchange': `${exchange}.dead-letters`,
          'x-dead-letter-routing-key': queue,
          'x-delivery-limit': this.#options.deliveryLimit ?? 50,
        },
      });
      for (const { from, pattern } of binding.patterns) {
        await channel.bindQueue(queue, exchange, `${from}.${pattern.replace(/>$/, '#')}`);
      }
      await channel.prefetch(binding.prefetch);
      const { consumerTag } = await channel.consume(queue, (message) => {
        if (!message) return;
        const body = message.content.toString();
        const headers = stringHeaders(message);
        // Quorum queues count earlier failed deliveries in x-delivery-count.
        const deliveryCount = Number(message.properties.headers?.['x-delivery-count'] ?? 0) + 1;
        batcher.add({ channel, message, delivery: { body, deliveryCount, headers } }, keyOf(body));
      });
      current = { model, channel, tag: consumerTag };
      model.on('close', () => {
        current = undefined;
        if (!stopped) schedule();
      });
    };
    const schedule = () => {
      retry = setTimeout(() => {
        open().catch((error: Error) => {
          this.#options.onError(error);
          if (!stopped) schedule();
        });
      }, this.#options.reconnectDelayMs ?? 1_000);
    };
    await open();
    return async () => {
      stopped = true;
      clearTimeout(retry);
      const active = current;
      if (active) await active.channel.cancel(active.tag).catch(() => {});
      await batcher.idle();
      if (active) await active.model.close().catch(() => {});
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    const connection = await this.#connection?.catch(() => undefined);
    await connection?.model.close().catch(() => {});
  }
}

function stringHeaders(message: ConsumeMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.properties.headers ?? {})) {
    headers[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  if (message.properties.messageId) headers['message-id'] = String(message.properties.messageId);
  headers['routing-key'] = message.fields.routingKey;
  return headers;
}
