import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kill, repositoryRoot, type SpawnedService, spawnService } from './support/spawn-service.js';
import { until } from './support/until.js';

// A Python and a Go service join the system through its wire contracts only (Consul API, HTTP,
// CloudEvents over RabbitMQ); infra only: it needs RabbitMQ and Debian's Python and Go packages.
const amqpBase = process.env.FLOTILLA_TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const vhost = `flotilla-polyglot-${randomBytes(4).toString('hex')}`;
const eventsUrl = `${amqpBase}/${vhost}`;
const scratch = mkdtempSync(join(tmpdir(), 'flotilla-polyglot-'));
const started: SpawnedService[] = [];
let gateway: string;

function rabbitmqctl(...args: string[]) {
  execFileSync('rabbitmqctl', args, { stdio: 'ignore' });
}

async function start(entry: string | string[], environment: Record<string, string>) {
  const service = await spawnService(entry, environment, 90_000);
  started.push(service);
  return service;
}

beforeAll(async () => {
  rabbitmqctl('add_vhost', vhost);
  rabbitmqctl('set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*');
  const goBinary = join(scratch, 'go-example');
  execFileSync('go', ['build', '-o', goBinary, join(repositoryRoot, 'examples/go-service/main.go')], {
    env: {
      ...process.env,
      GO111MODULE: 'off',
      GOPATH: '/usr/share/gocode',
      GOCACHE: join(scratch, 'gocache'),
    },
    stdio: 'pipe',
  });

  const controlPlane = await start(join(repositoryRoot, 'packages/control-plane/src/main.ts'), {
    PORT: '0',
    REGISTRY_SNAPSHOT_PATH: join(scratch, 'registry.json'),
  });
  const common = {
    REGISTRY_URL: controlPlane.url,
    REGISTRY_CHECK_INTERVAL: '500ms',
    DATA_DIR: join(scratch, 'data'),
    DATABASE_URL: '',
    EVENTS_URL: eventsUrl,
    LOG_LEVEL: 'info',
  };
  await Promise.all([
    start(join(repositoryRoot, 'services/users/src/main.ts'), common),
    start(join(repositoryRoot, 'services/orders/src/main.ts'), common),
    start(['/usr/bin/python3', join(repositoryRoot, 'examples/python-service/service.py')], {
      REGISTRY_URL: controlPlane.url,
      EVENTS_URL: `${amqpBase}/${encodeURIComponent(vhost)}`,
    }),
    start([goBinary], { REGISTRY_URL: controlPlane.url, EVENTS_URL: eventsUrl }),
  ]);
  gateway = (
    await start(join(repositoryRoot, 'packages/gateway/src/main.ts'), {
      PORT: '0',
      REGISTRY_URL: controlPlane.url,
      RATE_LIMIT: '0',
      LOG_LEVEL: 'info',
    })
  ).url;
}, 240_000);

afterAll(async () => {
  await Promise.all(started.map(kill));
  rabbitmqctl('delete_vhost', vhost);
  rmSync(scratch, { recursive: true, force: true });
});

async function json(path: string, init?: RequestInit) {
  const response = await fetch(`${gateway}${path}`, init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('services in other languages', () => {
  it('are routed to by the gateway from their registration metadata', async () => {
    for (const [service, language] of [
      ['python-example', 'python'],
      ['go-example', 'go'],
    ] as const) {
      const answer = await until(`the gateway to route to ${service}`, async () => {
        const reply = await json(`/api/${service}/hello`);
        return reply.status === 200 ? reply : undefined;
      });
      expect(answer.body).toMatchObject({ service, language });
    }
  });

  it('receive order.placed as CloudEvents from RabbitMQ', async () => {
    const user = await json('/api/users', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Poly Glot', email: `poly-${vhost}@example.com` }),
    });
    expect(user.status).toBe(201);
    const order = await json('/api/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: user.body.id, items: [{ sku: 'sku-1', quantity: 2, unitPrice: 499 }] }),
    });
    expect(order.status).toBe(201);
    for (const service of ['python-example', 'go-example']) {
      const received = await until(`${service} to receive the order`, async () => {
        const events = (await (await fetch(`${gateway}/api/${service}/received`)).json()) as {
          type: string;
          data: { orderId?: string };
          traceparent?: string;
        }[];
        return events.find((event) => event.data?.orderId === order.body.id);
      });
      expect(received.type).toBe('order.placed');
      expect(received.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    }
  });
});
