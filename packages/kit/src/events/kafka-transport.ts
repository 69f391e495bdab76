import { setTimeout as sleep } from 'node:timers/promises';
import {
  Admin,
  Consumer,
  type GenericError,
  type Message,
  ProduceAcks,
  Producer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import { timeoutPolicy } from '../resilience/index.js';
import type { CloudEvent } from './cloud-event.js';
import { CONSUMER_BATCHES, DeliveryBatcher } from './delivery-batcher.js';
import type {
  ConsumerBinding,
  Delivery,
  DeliveryHandler,
  EventTransport,
  PublishOutcome,
} from './event-transport.js';
import { fromKafkaMessage, toKafkaMessage } from './kafka-message.js';
import type { KafkaTopicSettings } from './kafka-url.js';
import { PartitionOffsets } from './partition-offsets.js';
import { matchesType } from './type-pattern.js';

export interface KafkaTransportOptions {
  /** `host:port` of each bootstrap broker. */
  readonly brokers: readonly string[];
  /** Topics are `<prefix>.<publisher>`, consumer groups `<prefix>.<service>`. */
  readonly prefix: string;
  readonly topics: KafkaTopicSettings;
  readonly onError: (error: Error) => void;
  /** How long after a consumer instance's last heartbeat its partitions go to the others. */
  readonly sessionTimeoutMs?: number;
  /** Pause before a consumer starts again from the committed offsets, or a failed commit is retried. */
  readonly restartDelayMs?: number;
  /** Longest wait for the broker to acknowledge a publish; the events are then reported not sent. */
  readonly publishTimeoutMs?: number;
}

type Received = Message<string, string, string, string>;

/** One consumer instance in the group with its stream; replaced as a whole after a failure. */
interface Session {
  readonly consumer: Consumer<string, string, string, string>;
  readonly stream: Awaited<ReturnType<Consumer<string, string, string, string>['consume']>>;
  /** Per `topic:partition`, the offsets taken and which are done. */
  readonly partitions: Map<string, PartitionOffsets<Received>>;
  /** Per `topic:partition`, the newest record whose offset may be committed next. */
  readonly due: Map<string, Received>;
  committing: Promise<void> | undefined;
}

interface Taken {
  readonly session: Session;
  readonly record: Received;
  readonly delivery: Delivery;
}

/**
 * Apache Kafka: one topic per publishing service, created by whichever side comes first with
 * explicit settings (partitions, replication factor, `min.insync.replicas`, retention); the event's
 * key is the record key, so each key stays in one partition and in order. Records follow the
 * CloudEvents Kafka binding in binary mode. Publishes through an idempotent producer with
 * acks=all. One consumer group per subscribing service, offsets committed by hand once a batch is
 * stored, never past a record not yet stored; a batch that could not be stored starts the consumer
 * again from the committed offsets, which delivers it again.
 */
export class KafkaTransport implements EventTransport {
  readonly kind = 'kafka';
  readonly #options: KafkaTransportOptions;
  readonly #admin: Admin;
  readonly #producer: Producer<string, string, string, string>;
  readonly #topics = new Map<string, Promise<void>>();
  readonly #stops = new Set<() => Promise<void>>();

  private constructor(options: KafkaTransportOptions) {
    this.#options = options;
    const bootstrapBrokers = [...options.brokers];
    this.#admin = new Admin({ clientId: `${options.prefix}-admin`, bootstrapBrokers });
    this.#producer = new Producer({
      clientId: `${options.prefix}-relay`,
      bootstrapBrokers,
      serializers: stringSerializers,
      idempotent: true,
      acks: ProduceAcks.ALL,
    });
  }

  /** Resolves once a broker answered, so a wrong EVENTS_URL fails the start-up. */
  static async connect(options: KafkaTransportOptions): Promise<KafkaTransport> {
    const transport = new KafkaTransport(options);
    try {
      await transport.#admin.metadata({ topics: [] });
    } catch (error) {
      await transport.close();
      throw new Error(`Kafka unreachable at ${options.brokers.join(',')}: ${(error as Error).message}`);
    }
    return transport;
  }

  #topicOf(publisher: string): string {
    return `${this.#options.prefix}.${publisher}`.replace(/[^A-Za-z0-9._-]/g, '_');
  }

  /** Creates the topic unless it exists; idempotent, so publisher and subscribers may race. */
  #ensureTopic(topic: string): Promise<void> {
    let ready = this.#topics.get(topic);
    if (!ready) {
      ready = (async () => {
        const { partitions, replicationFactor, minInsyncReplicas, retentionMs } = this.#options.topics;
        const replicas =
          replicationFactor ?? Math.min(3, (await this.#admin.metadata({ topics: [] })).brokers.size);
        try {
          await this.#admin.createTopics({
            topics: [topic],
            partitions,
            replicas,
            configs: [
              { name: 'min.insync.replicas', value: String(minInsyncReplicas ?? Math.ceil(replicas / 2)) },
              { name: 'retention.ms', value: String(retentionMs) },
            ],
          });
        } catch (error) {
          if (!(error as GenericError).findBy?.('apiId', 'TOPIC_ALREADY_EXISTS')) throw error;
        }
      })();
      ready.catch(() => {
        if (this.#topics.get(topic) === ready) this.#topics.delete(topic);
      });
      this.#topics.set(topic, ready);
    }
    return ready;
  }

  async publish(events: readonly CloudEvent[]): Promise<PublishOutcome[]> {
    const topics = events.map((event) => this.#topicOf(event.source.replace(/^\//, '')));
    try {
      await Promise.all([...new Set(topics)].map((topic) => this.#ensureTopic(topic)));
    } catch (error) {
      return events.map(() => ({ ok: false, error: `Kafka topic unavailable: ${(error as Error).message}` }));
    }
    try {
      // One request per partition leader: the records of a partition, so of a key, stay in order.
      await timeoutPolicy(this.#options.publishTimeoutMs ?? 30_000).execute(() =>
        this.#producer.send({
          messages: events.map((event, index) => {
            const { key, value, headers } = toKafkaMessage(event);
            return { topic: topics[index]!, value, headers, ...(key === undefined ? {} : { key }) };
          }),
        }),
      );
    } catch (error) {
      // The client waits for ever on a topic deleted since it was created here: create it anew next time.
      for (const topic of topics) this.#topics.delete(topic);
      return events.map(() => ({
        ok: false,
        error: `not acknowledged by Kafka: ${(error as Error).message}`,
      }));
    }
    return events.map(() => ({ ok: true }));
  }

  async consume(binding: ConsumerBinding, handler: DeliveryHandler): Promise<() => Promise<void>> {
    const { onError } = this.#options;
    const wanted = new Map<string, string[]>();
    for (const { from, pattern } of binding.patterns) {
      const topic = this.#topicOf(from);
      wanted.set(topic, [...(wanted.get(topic) ?? []), pattern]);
    }
    // A subscriber may start before any publisher: its topics must exist to be consumed.
    await Promise.all([...wanted.keys()].map((topic) => this.#ensureTopic(topic)));

    let session: Session | undefined;
    let stopped = false;
    let restart: NodeJS.Timeout | undefined;
    let unacked = 0;
    // Kafka keeps no delivery count: this process counts the deliveries whose batch was not stored.
    const failed = new Map<string, number>();
    const idOf = (record: Received) => `${partitionOf(record)}:${record.offset}`;

    const commit = (owner: Session, record: Received) => {
      owner.due.set(partitionOf(record), record);
      // One commit per partition at a time, so a partition's committed offset only moves forward.
      owner.committing ??= (async () => {
        while (owner.due.size > 0 && session === owner) {
          const due = [...owner.due.values()];
          owner.due.clear();
          try {
            await Promise.all(due.map((entry) => entry.commit()));
          } catch (error) {
            onError(error as Error);
            if (stopped) break;
            // Tried again unless a later offset of its partition is due by then: a commit that never
            // lands costs a redelivery of everything after it when the consumer next starts.
            for (const entry of due)
              if (!owner.due.has(partitionOf(entry))) owner.due.set(partitionOf(entry), entry);
            await sleep(this.#options.restartDelayMs ?? 1_000);
          }
        }
        owner.committing = undefined;
      })();
    };
    const complete = (owner: Session, record: Received) => {
      failed.delete(idOf(record));
      const committable = owner.partitions.get(partitionOf(record))?.complete(record.offset);
      if (committable) commit(owner, committable);
    };

    // Kafka has no per-message negative ack: to deliver again, the consumer starts over from the
    // committed offsets, which never passed a record whose batch was not stored.
    const replace = (old: Session, error?: Error) => {
      if (session !== old) return;
      session = undefined;
      if (error) onError(error);
      void closeConsumer(old.consumer)
        .catch((closeError: Error) => onError(closeError))
        .then(() => {
          if (!stopped) schedule();
        });
    };
    const schedule = () => {
      restart = setTimeout(() => {
        open().catch((error: Error) => {
          onError(error);
          if (!stopped) schedule();
        });
      }, this.#options.restartDelayMs ?? 1_000);
    };

    const batcher = new DeliveryBatcher<Taken>({
      maxBatch: binding.prefetch,
      concurrency: CONSUMER_BATCHES,
      handle: async (batch) => {
        try {
          // Taken by a consumer since replaced: its successor fetches them again.
          const live = batch.filter((taken) => taken.session === session);
          if (live.length === 0) return;
          try {
            await handler(live.map((taken) => taken.delivery));
          } catch (error) {
            for (const { record } of live) failed.set(idOf(record), (failed.get(idOf(record)) ?? 0) + 1);
            replace(live[0]!.session, error as Error);
            return;
          }
          for (const { session: owner, record } of live) complete(owner, record);
        } finally {
          unacked -= batch.length;
          if (!stopped && unacked < binding.prefetch) session?.stream.resume();
        }
      },
    });

    const take = (owner: Session, record: Received) => {
      const offsets = owner.partitions.get(partitionOf(record)) ?? new PartitionOffsets<Received>();
      owner.partitions.set(partitionOf(record), offsets);
      if (!offsets.take(record.offset, record)) return;
      const type = record.headers.get('ce_type');
      if (type !== undefined && !wanted.get(record.topic)?.some((pattern) => matchesType(pattern, type))) {
        complete(owner, record);
        return;
      }
      const body = fromKafkaMessage(record.headers, record.value);
      const headers = {
        ...Object.fromEntries(record.headers),
        topic: record.topic,
        partition: String(record.partition),
        offset: String(record.offset),
      };
      const deliveryCount = (failed.get(idOf(record)) ?? 0) + 1;
      unacked++;
      batcher.add(
        { session: owner, record, delivery: { body, deliveryCount, headers } },
        record.key || undefined,
      );
      // Holds the stream while `prefetch` records are unacknowledged, as a broker's prefetch does.
      if (unacked >= binding.prefetch) owner.stream.pause();
    };

    const open = async () => {
      const consumer = new Consumer({
        groupId: `${this.#options.prefix}.${binding.service}`,
        clientId: `${this.#options.prefix}-${binding.service}`,
        bootstrapBrokers: [...this.#options.brokers],
        deserializers: stringDeserializers,
        sessionTimeout: this.#options.sessionTimeoutMs ?? 10_000,
        heartbeatInterval: Math.min(3_000, Math.floor((this.#options.sessionTimeoutMs ?? 10_000) / 3)),
        rebalanceTimeout: 30_000,
        highWaterMark: binding.prefetch,
      });
      let stream: Session['stream'];
      try {
        stream = await consumer.consume({
          topics: [...wanted.keys()],
          autocommit: false,
          mode: 'committed',
          // A new group starts at the beginning: events published before it existed are kept for it.
          fallbackMode: 'earliest',
        });
      } catch (error) {
        await closeConsumer(consumer).catch(() => {});
        throw error;
      }
      const owner: Session = {
        consumer,
        stream,
        partitions: new Map(),
        due: new Map(),
        committing: undefined,
      };
      if (stopped) {
        await closeConsumer(consumer).catch(() => {});
        return;
      }
      session = owner;
      stream.on('data', (record: Received) => take(owner, record));
      stream.on('error', (error) => replace(owner, error));
      stream.on('close', () => replace(owner));
    };

    await open();
    const stop = async () => {
      stopped = true;
      clearTimeout(restart);
      session?.stream.pause();
      await batcher.idle();
      const active = session;
      if (!active) return;
      await active.committing;
      session = undefined;
      await closeConsumer(active.consumer).catch((error: Error) => onError(error));
    };
    this.#stops.add(stop);
    return async () => {
      this.#stops.delete(stop);
      await stop();
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.#stops].map((stop) => stop()));
    await Promise.all(
      [this.#producer.close(), this.#admin.close()].map((closing) => closing.catch(() => {})),
    );
  }
}

function partitionOf(record: Received): string {
  return `${record.topic}:${record.partition}`;
}

/** Closes its stream and leaves the group, so the group's other instances take its partitions at once. */
function closeConsumer(consumer: Consumer<string, string, string, string>): Promise<void> {
  return new Promise((resolve, reject) =>
    consumer.close(true, (error) => (error ? reject(error) : resolve())),
  );
}
