import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseKafkaUrl } from '@flotilla/kit/events';
import { Admin } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  kill,
  repositoryRoot,
  type SpawnedService,
  spawnCommand,
  spawnService,
} from './support/spawn-service.js';
import { until } from './support/until.js';

const eventsUrl = process.env.FLOTILLA_TEST_KAFKA_URL ?? 'kafka://127.0.0.1:9092';
const brokers = parseKafkaUrl(eventsUrl).brokers;
// The services name their topics under the kit's default namespace: orders publishes to
// `flotilla.orders`. A group of the test's own reads it from the start; the order's id tells the
// test's event from those earlier runs left in the topic.
const topic = 'flotilla.orders';
const group = `python-order-printer-${randomUUID().slice(0, 8)}`;

const scratch = mkdtempSync(join(tmpdir(), 'flotilla-kafka-python-'));
const processes: Partial<Record<'controlPlane' | 'users' | 'orders', SpawnedService>> = {};
let python: ReturnType<typeof spawnCommand> | undefined;

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000), // hang guard
  });
  return { status: response.status, body: (await response.json()) as { id: string } };
}

/** A line of the Python consumer: an event it read, or a commit it made. */
interface Printed {
  readonly type?: string;
  readonly data?: { readonly orderId?: string };
  readonly partition?: number;
  readonly offset?: number;
  readonly committed?: { readonly partition: number; readonly offset: number };
  readonly [field: string]: unknown;
}

/** The JSON lines the Python consumer printed so far. */
function printed(): Printed[] {
  return (python?.stdout.join('') ?? '')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Printed);
}

beforeAll(async () => {
  processes.controlPlane = await spawnService(join(repositoryRoot, 'packages/control-plane/src/main.ts'), {
    LOG_LEVEL: 'info',
    REGISTRY_SNAPSHOT_PATH: join(scratch, 'registry.json'),
    CHECK_TICK: '20ms',
    EVENTS_URL: eventsUrl,
  });
  // One at a time: embedded databases initialising at once starve a 2-core machine.
  for (const name of ['orders', 'users'] as const) {
    processes[name] = await spawnService(
      join(repositoryRoot, 'services', name, 'src/main.ts'),
      {
        LOG_LEVEL: 'info',
        DATA_DIR: join(scratch, name),
        REGISTRY_URL: processes.controlPlane.url,
        REGISTRY_CHECK_INTERVAL: '300ms',
        REGISTRY_CHECK_TIMEOUT: '200ms',
        REGISTRY_SYNC_INTERVAL: '500ms',
        EVENTS_URL: eventsUrl,
      },
      60_000,
    );
  }
}, 240_000);

afterAll(async () => {
  if (python && python.child.exitCode === null) {
    python.child.kill('SIGTERM');
    await python.exited;
  }
  for (const service of Object.values(processes)) await kill(service);
  rmSync(scratch, { recursive: true, force: true });
});

describe('a kafka-python consumer reads what orders published through Flotilla', () => {
  it('prints the order.placed event from the ce_* headers and JSON value, then commits its offset', {
    timeout: 120_000,
  }, async () => {
    const user = await post(`${processes.users!.url}/users`, {
      name: 'Grace',
      email: `grace-${randomUUID()}@kafka-python.example`,
    });
    expect(user.status).toBe(201);
    // Until orders' registry watcher has seen users, a try may answer 503; the key keeps it one order.
    const key = { 'idempotency-key': randomUUID() };
    const order = await until('an order placed', async () => {
      const answer = await post(
        `${processes.orders!.url}/orders`,
        { userId: user.body.id, items: [{ sku: 'TEA-1', quantity: 3, unitPrice: 450 }] },
        key,
      );
      return answer.status === 201 && answer.body;
    });

    // Started after the order, so its topic exists: the broker does not create topics on demand.
    python = spawnCommand(['python3', join(repositoryRoot, 'examples/python-kafka-consumer/consumer.py')], {
      KAFKA_BOOTSTRAP: brokers.join(','),
      KAFKA_TOPIC: topic,
      KAFKA_GROUP: group,
    });
    const event = await until(
      "the order's event printed by the Python consumer",
      () => printed().find((entry) => entry.data?.orderId === order.id),
      60_000,
    );
    expect(event).toMatchObject({
      type: 'order.placed',
      source: '/orders',
      subject: order.id,
      contentType: 'application/json',
      data: { orderId: order.id, userId: user.body.id, total: 1350 },
      partition: expect.any(Number),
      offset: expect.any(Number),
    });
    const { partition, offset } = event as Required<Pick<Printed, 'partition' | 'offset'>>;

    // The consumer's own commit of the next offset, then the broker's record of it for the group.
    await until("the Python consumer's commit after the event", () =>
      printed().some(
        ({ committed }) => committed?.partition === partition && committed.offset === offset + 1,
      ),
    );
    const admin = new Admin({ clientId: 'kafka-python-test', bootstrapBrokers: [...brokers] });
    try {
      await until('the group committed past the event', async () => {
        const [offsets] = await admin.listConsumerGroupOffsets({ groups: [group] });
        const committed = offsets?.topics
          .find((entry) => entry.name === topic)
          ?.partitions.find((entry) => entry.partitionIndex === partition)?.committedOffset;
        return committed !== undefined && committed > BigInt(offset);
      });
    } finally {
      await admin.close();
    }
  });

  it("the control plane reports orders' consumer group, caught up with users' events", async () => {
    const ordersGroup = await until("orders' group with no lag", async () => {
      const answer = await fetch(`${processes.controlPlane!.url}/api/transport`);
      const { transport } = (await answer.json()) as {
        transport: { kind: string; consumerGroups?: { group: string; lag: number; partitions: unknown[] }[] };
      };
      expect(transport.kind).toBe('kafka');
      const group = transport.consumerGroups?.find((entry) => entry.group === 'flotilla.orders');
      return group?.lag === 0 && group;
    });
    // Orders subscribes to users' topic, created with the transport's default of 3 partitions.
    expect(ordersGroup.partitions).toHaveLength(3);
  });
});
