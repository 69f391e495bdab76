import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.js';
import { captureIo } from '../testing/capture-io.js';

// A registry speaking the two Consul endpoints status reads and the control plane's transport, and
// two instances: orders exposes breakers, outbox and dead letters; users exposes none of them.
const kafka = {
  kind: 'kafka',
  label: 'Apache Kafka',
  endpoint: '127.0.0.1:9092',
  consumerGroups: [
    {
      group: 'flotilla.notifications',
      lag: 7,
      partitions: [4, 3, 0].map((lag, partition) => ({ topic: 'flotilla.orders', partition, lag })),
    },
    { group: 'flotilla.orders', lag: 0, partitions: [] },
  ],
};
let registry: Server;
let orders: Server;
let users: Server;
const redriven: string[] = [];

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}

function json(body: unknown) {
  return [200, { 'content-type': 'application/json' }, JSON.stringify(body)] as const;
}

beforeAll(async () => {
  orders = createServer((request, response) => {
    const routes: Record<string, readonly [number, Record<string, string>, string]> = {
      'GET /internal/breakers': json({
        breakers: [{ target: 'users', state: 'open', since: '2026-01-01T00:00:00Z' }],
      }),
      'GET /events/outbox': json({ pending: 7, oldestSeconds: 3 }),
      'GET /events/dead-letters': json([
        { id: 'dl-1', type: 'user.created', attempts: 5, error: 'boom\nstack' },
      ]),
      'POST /events/dead-letters/dl-1/redrive': [202, {}, ''],
    };
    const route = routes[`${request.method} ${request.url}`];
    if (request.method === 'POST') redriven.push(request.url ?? '');
    response.writeHead(
      ...((route ?? ([404, {}, ''] as const)).slice(0, 2) as [number, Record<string, string>]),
    );
    response.end(route?.[2] ?? '');
  });
  users = createServer((_request, response) => response.writeHead(404).end());
  const [ordersPort, usersPort] = await Promise.all([listen(orders), listen(users)]);
  const entry = (service: string, id: string, port: number, status: string) => ({
    Node: { Address: '127.0.0.1' },
    Service: { ID: id, Service: service, Address: '127.0.0.1', Port: port, Meta: { version: '0.1.0' } },
    Checks: [{ Status: 'passing' }, { Status: status }],
  });
  registry = createServer((request, response) => {
    const routes: Record<string, unknown> = {
      '/v1/catalog/services': { consul: [], orders: [], users: [] },
      '/v1/health/service/orders': [entry('orders', 'orders-a', ordersPort, 'passing')],
      '/v1/health/service/users': [entry('users', 'users-a', usersPort, 'critical')],
      '/api/transport': { transport: kafka },
    };
    const body = routes[request.url ?? ''];
    response
      .writeHead(body ? 200 : 404, { 'content-type': 'application/json' })
      .end(JSON.stringify(body ?? {}));
  });
  await listen(registry);
});

afterAll(async () => {
  for (const server of [registry, orders, users]) server.close();
});

async function run(...argv: string[]) {
  const { port } = registry.address() as { port: number };
  const captured = captureIo(process.cwd(), { REGISTRY_URL: `http://127.0.0.1:${port}` });
  const code = await runCli(argv, captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

describe('flotilla status', () => {
  it('tabulates instances, worst check, and what each service exposes (- where absent)', async () => {
    const { code, stdout } = await run('status');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SERVICE\s+INSTANCE\s+ADDRESS\s+HEALTH\s+BREAKERS\s+OUTBOX\s+DEAD LETTERS$/);
    expect(lines[1]).toMatch(
      /^orders\s+orders-a\s+http:\/\/127\.0\.0\.1:\d+\s+passing\s+users:open\s+7\s+1$/,
    );
    expect(lines[2]).toMatch(/^users\s+users-a\s+http:\/\/127\.0\.0\.1:\d+\s+critical\s+-\s+-\s+-$/);
    expect(lines.slice(3)).toEqual([
      '',
      'transport: Apache Kafka at 127.0.0.1:9092',
      'CONSUMER GROUP          PARTITIONS  LAG',
      'flotilla.notifications  3           7',
      'flotilla.orders         0           0',
    ]);
  });

  it('prints the same as JSON', async () => {
    const { stdout } = await run('status', '--json');
    const report = JSON.parse(stdout);
    expect(report.services).toEqual(['orders', 'users']);
    expect(report.transport).toEqual(kafka);
    expect(report.instances[0]).toMatchObject({
      service: 'orders',
      health: 'passing',
      version: '0.1.0',
      breakers: { users: 'open' },
      outboxPending: 7,
      deadLetters: 1,
    });
    expect(report.instances[1]).toMatchObject({
      service: 'users',
      health: 'critical',
      breakers: null,
      outboxPending: null,
      deadLetters: null,
    });
  });

  it('says in one line when the registry is not there', async () => {
    const captured = captureIo(process.cwd(), { REGISTRY_URL: 'http://127.0.0.1:1' });
    expect(await runCli(['status'], captured.io)).toBe(1);
    expect(captured.stderr()).toMatch(
      /^flotilla: the registry is not reachable at http:\/\/127\.0\.0\.1:1 \(\w+\)\n$/,
    );
  });
});

describe('flotilla dlq', () => {
  it('lists dead letters through a passing instance, first line of the error only', async () => {
    const { code, stdout } = await run('dlq', 'list', 'orders');
    expect(code).toBe(0);
    expect(stdout).toMatch(
      /^ID\s+TYPE\s+ATTEMPTS\s+FAILED AT\s+ERROR\ndl-1\s+user\.created\s+5\s+-\s+boom\n$/,
    );
  });

  it('redrives one by id', async () => {
    const { code, stdout } = await run('dlq', 'redrive', 'orders', 'dl-1');
    expect(code).toBe(0);
    expect(stdout).toBe('redriven dl-1\n');
    expect(redriven).toEqual(['/events/dead-letters/dl-1/redrive']);
  });

  it('refuses a service with no passing instance, and one without the API', async () => {
    expect((await run('dlq', 'list', 'users')).stderr).toBe(
      'flotilla: no passing instance of "users" in the registry\n',
    );
    expect((await run('dlq', 'list', 'nobody')).code).toBe(1);
  });
});
