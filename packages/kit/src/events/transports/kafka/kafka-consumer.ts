import { setTimeout as sleep } from 'node:timers/promises';
import { Consumer, type Message, stringDeserializers } from '@platformatic/kafka';
import { matchesType } from '../../type-pattern.js';
import { CONSUMER_BATCHES, DeliveryBatcher } from '../delivery-batcher.js';
import type { ConsumerBinding, Delivery, DeliveryHandler } from '../event-transport.js';
import { fromKafkaMessage } from './kafka-message.js';
import type { KafkaTransportOptions } from './kafka-transport.js';
import { PartitionOffsets } from './partition-offsets.js';

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
 * One subscribing service's member of its consumer group `<prefix>.<service>`, reading the topics
 * in `wanted` (topic → the type patterns wanted from it). Offsets are committed by hand, never past
 * a record whose batch is not stored; a batch that could not be stored starts the member again from
 * the committed offsets. Resolves to the function that stops it once its batches are done.
 */
export async function consumeAsGroup(
  options: Pick<
    KafkaTransportOptions,
    'brokers' | 'prefix' | 'onError' | 'sessionTimeoutMs' | 'restartDelayMs'
  >,
  binding: ConsumerBinding,
  wanted: ReadonlyMap<string, readonly string[]>,
  handler: DeliveryHandler,
): Promise<() => Promise<void>> {
  const { onError } = options;
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
          await sleep(options.restartDelayMs ?? 1_000);
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
    }, options.restartDelayMs ?? 1_000);
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
      groupId: `${options.prefix}.${binding.service}`,
      clientId: `${options.prefix}-${binding.service}`,
      bootstrapBrokers: [...options.brokers],
      deserializers: stringDeserializers,
      sessionTimeout: options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: Math.min(3_000, Math.floor((options.sessionTimeoutMs ?? 10_000) / 3)),
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
  return stop;
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
