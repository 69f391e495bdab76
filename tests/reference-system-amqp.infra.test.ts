import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe } from 'vitest';
import { referenceSystemScenario } from './support/reference-system.js';

const run = promisify(execFile);
// A vhost of its own: the exchange and queue names are the same in every system on a broker.
const vhost = `flotilla-reference-${randomUUID().slice(0, 8)}`;
const brokerUrl = new URL(process.env.FLOTILLA_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672');

const eventsUrl = new URL(brokerUrl);
eventsUrl.pathname = `/${vhost}`;

beforeAll(async () => {
  await run('rabbitmqctl', ['add_vhost', vhost]);
  await run('rabbitmqctl', [
    'set_permissions',
    '-p',
    vhost,
    decodeURIComponent(brokerUrl.username),
    '.*',
    '.*',
    '.*',
  ]);
});
afterAll(async () => {
  await run('rabbitmqctl', ['delete_vhost', vhost]);
});

describe('the reference system across processes, events over RabbitMQ', { timeout: 120_000 }, () => {
  referenceSystemScenario(() => ({ EVENTS_URL: eventsUrl.href }));
});
