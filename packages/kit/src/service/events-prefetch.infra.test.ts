import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { defineEvent, subscription } from '../events/index.js';
import { testDatabase } from '../testing/index.js';
import { defineService } from './define-service.js';
import { startService } from './index.js';

const NATS_URL = process.env.FLOTILLA_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const tag = randomBytes(4).toString('hex');

describe('EVENTS_PREFETCH', () => {
  it("sets how many events the service's broker consumer holds unacknowledged", async () => {
    const Pinged = defineEvent({ source: `pinger${tag}`, type: 'ping.sent', schema: Type.Object({}) });
    const db = await testDatabase();
    const running = await startService(
      defineService({
        name: `pinged${tag}`,
        version: '1.0.0',
        subscriptions: [subscription(Pinged, async () => {})],
        routes: () => {},
      }),
      {
        environment: { LOG_LEVEL: 'silent', EVENTS_URL: NATS_URL, EVENTS_PREFETCH: '7' },
        database: db,
      },
    );
    const connection = await connect({ servers: NATS_URL.replace('nats://', '') });
    const jsm = await jetstreamManager(connection);
    try {
      const consumer = await jsm.consumers.info(`flotilla_pinger${tag}`, `pinged${tag}`);
      expect(consumer.config.max_ack_pending).toBe(7);
    } finally {
      await running.stop();
      await jsm.streams.delete(`flotilla_pinger${tag}`);
      await connection.close();
      await db.dispose();
    }
  });
});
