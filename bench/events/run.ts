/**
 * Events end to end per transport, beside the raw client on the same broker in the same run.
 *   npm run bench:events              (EVENTS=20000 by default)
 * Needs DATABASE_URL (PostgreSQL, default local); AMQP_URL / NATS_URL / KAFKA_URL default to local.
 *
 * Per transport two figures, both ending at the consumer's commit of effect + inbox row:
 *   end to end — business write + outbox insert, one transaction per event by WRITERS concurrent
 *                writers, while relay and consumer run; first write to last consumer commit.
 *   drain      — relay → transport → consumer from an outbox filled beforehand (untimed).
 * For the brokers also the drain's two stages one at a time (relay → broker; broker → consumer),
 * each against the same raw figure, to show which half bounds it; and for each the whole machine's
 * CPU time per event, split by program (PostgreSQL, broker, this Node process, kernel threads).
 * On RabbitMQ and JetStream also the peer, graphile-worker doing the same end-to-end job (a job
 * added in the business transaction, a task publishing with confirms, the same consumer), and the
 * ratio kit / graphile-worker.
 */
import { randomBytes } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { parseKafkaUrl } from '@flotilla/kit/events';
import { embedded } from './embedded.js';
import { GRAPHILE_WORKER_SETTINGS, graphileWorker, type PeerFigures } from './graphile-worker.js';
import { cpuPerEvent, machineCpu } from './machine-cpu.js';
import { type PipelineFigures, pipeline, type StageFigures, WRITERS } from './pipeline.js';
import { rawAmqp, rawKafka, rawNats } from './raw-clients.js';

const count = Number(process.env.EVENTS ?? 20_000);
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const amqpUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const kafkaUrl = process.env.KAFKA_URL ?? 'kafka://127.0.0.1:9092';
const tag = () => randomBytes(4).toString('hex');
const fmt = (value: number) => Math.round(value).toLocaleString('en-US').padStart(7);

interface Raw {
  readonly rate: number;
  readonly cpu: string;
}

async function measureRaw(run: () => Promise<number>): Promise<Raw> {
  const before = machineCpu();
  const rate = await run();
  return { rate, cpu: cpuPerEvent(before, machineCpu(), count) };
}

function line(
  name: string,
  rawFigures: Raw | undefined,
  kit: PipelineFigures & Partial<StageFigures>,
  peer?: PeerFigures,
): void {
  const raw = rawFigures?.rate;
  const ratio = (value: number) => (raw ? `  (${(value / raw).toFixed(2)} × raw)` : '');
  const versusPeer = peer ? ` (${(kit.endToEnd / peer.endToEnd).toFixed(2)} × graphile-worker)` : '';
  console.log(
    `${name.padEnd(10)} ${raw ? `raw ${fmt(raw)} msg/s` : 'no broker      '}   ` +
      `end to end ${fmt(kit.endToEnd)} ev/s${ratio(kit.endToEnd)}${versusPeer}   ` +
      `drain ${fmt(kit.drain)} ev/s${ratio(kit.drain)}`,
  );
  const indent = ''.padEnd(11);
  console.log(
    `${indent}machine CPU per event: ${rawFigures ? `raw ${rawFigures.cpu}; ` : ''}drain ${kit.drainCpu}`,
  );
  if (kit.relayOnly !== undefined && kit.consumerOnly !== undefined) {
    console.log(
      `${indent}stages: relay → broker ${fmt(kit.relayOnly)} ev/s${ratio(kit.relayOnly)}   ` +
        `broker → consumer ${fmt(kit.consumerOnly)} ev/s${ratio(kit.consumerOnly)}`,
    );
    console.log(
      `${indent}  CPU per event: relay → broker ${kit.relayOnlyCpu}; broker → consumer ${kit.consumerOnlyCpu}`,
    );
  }
  if (peer) {
    console.log(`${indent}graphile-worker  end to end ${fmt(peer.endToEnd)} ev/s${ratio(peer.endToEnd)}`);
    console.log(`${indent}  machine CPU per event: end to end ${peer.cpu}`);
  }
}

console.log(
  `events, ${count.toLocaleString('en-US')} per figure, persistent, prefetch 100, ${WRITERS} writers, ` +
    `${cpus().length} cores (load average ${loadavg()[0]?.toFixed(1)} at start)`,
);
console.log(`graphile-worker ${GRAPHILE_WORKER_SETTINGS}`);
const rabbitRaw = await measureRaw(() => rawAmqp(amqpUrl, count, tag()));
const rabbitKit = await pipeline(databaseUrl, amqpUrl, count, tag());
line('RabbitMQ', rabbitRaw, rabbitKit, await graphileWorker(databaseUrl, amqpUrl, count, tag()));
const natsRaw = await measureRaw(() => rawNats(natsUrl, count, tag()));
const natsKit = await pipeline(databaseUrl, natsUrl, count, tag());
line('JetStream', natsRaw, natsKit, await graphileWorker(databaseUrl, natsUrl, count, tag()));
const kafkaRaw = await measureRaw(() => rawKafka(parseKafkaUrl(kafkaUrl).brokers, count, tag()));
await pipeline(databaseUrl, kafkaUrl, count, tag()).then(
  (figures) => line('Kafka', kafkaRaw, figures),
  (error: Error) => {
    console.log(`${'Kafka'.padEnd(10)} raw ${fmt(kafkaRaw.rate)} msg/s   Flotilla failed: ${error.message}`);
    console.log(`${''.padEnd(11)}machine CPU per event: raw ${kafkaRaw.cpu}`);
  },
);
line('embedded', undefined, await embedded(databaseUrl, count, tag()));
console.log(
  'targets: end to end ≥ 1.0 × graphile-worker; drain ≥ 0.5 × raw on the same broker; embedded ≥ 5,000 ev/s',
);
