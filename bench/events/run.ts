/**
 * Events end to end per transport, beside the raw client on the same broker in the same run.
 *   node --import tsx bench/events/run.ts            (EVENTS=20000 by default)
 * Needs DATABASE_URL (PostgreSQL) for the broker pipelines; AMQP_URL / NATS_URL default to local.
 */
import { randomBytes } from 'node:crypto';
import { embedded } from './embedded.js';
import { pipeline } from './pipeline.js';
import { rawAmqp, rawNats } from './raw-clients.js';

const count = Number(process.env.EVENTS ?? 20_000);
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const amqpUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const tag = () => randomBytes(4).toString('hex');
const fmt = (value: number) => Math.round(value).toLocaleString('en-US').padStart(8);

console.log(`events end to end, ${count.toLocaleString('en-US')} events per run, persistent, prefetch 100`);
const rabbitRaw = await rawAmqp(amqpUrl, count, tag());
const rabbitKit = await pipeline(databaseUrl, amqpUrl, count, tag());
console.log(
  `RabbitMQ   raw amqplib ${fmt(rabbitRaw)} msg/s   kit pipeline ${fmt(rabbitKit)} events/s   ratio ${(rabbitKit / rabbitRaw).toFixed(2)} (target ≥ 0.5)`,
);
const natsRaw = await rawNats(natsUrl, count, tag());
const natsKit = await pipeline(databaseUrl, natsUrl, count, tag());
console.log(
  `JetStream  raw nats.js ${fmt(natsRaw)} msg/s   kit pipeline ${fmt(natsKit)} events/s   ratio ${(natsKit / natsRaw).toFixed(2)} (target ≥ 0.5)`,
);
process.env.DATABASE_URL = databaseUrl;
const embeddedRate = await embedded(count);
console.log(
  `embedded   (PostgreSQL, HTTP)        kit pipeline ${fmt(embeddedRate)} events/s   target ≥ 5,000`,
);
