import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { networkInterfaces } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.js';
import { captureIo } from '../testing/capture-io.js';

interface Seen {
  method: string;
  path: string;
  body: Record<string, unknown> | undefined;
  idempotencyKey: string | undefined;
  apiKey: string | undefined;
  remoteAddress: string | undefined;
}

let server: Server | undefined;
afterEach(() => server?.close());

async function readBody(request: IncomingMessage) {
  let text = '';
  for await (const chunk of request) text += chunk;
  return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
}

/**
 * A tiny gateway: users and orders in memory, every `failEvery`-th order refused with 503, and
 * every request of the client with API key `limitedKey` answered 429.
 */
async function fakeGateway(delayMs = 0, failEvery = 0, limitedKey = '', host = '127.0.0.1') {
  const seen: Seen[] = [];
  const users = new Set<string>();
  const orders = new Set<string>();
  let placed = 0;
  server = createServer(async (request, response) => {
    const body = await readBody(request);
    const path = request.url ?? '';
    seen.push({
      method: request.method ?? '',
      path,
      body,
      idempotencyKey: request.headers['idempotency-key'] as string,
      apiKey: request.headers['x-api-key'] as string,
      remoteAddress: request.socket.remoteAddress,
    });
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    const send = (status: number, payload?: unknown) =>
      response
        .writeHead(status, { 'content-type': 'application/json' })
        .end(payload ? JSON.stringify(payload) : '');
    if (path === '/health/ready') return send(200, { status: 'ready' });
    if (request.headers['x-api-key'] === limitedKey) return send(429, { title: 'Too Many Requests' });
    if (request.method === 'POST' && path === '/api/users') {
      const id = randomUUID();
      users.add(id);
      return send(201, { id, ...body });
    }
    if (request.method === 'POST' && path === '/api/orders') {
      if (failEvery && ++placed % failEvery === 0) return send(503, { title: 'Service Unavailable' });
      if (!users.has(String(body?.userId))) return send(422, { title: 'unknown user' });
      const id = randomUUID();
      orders.add(id);
      return send(201, { id });
    }
    const [, , kind, id] = path.split('/');
    const known = kind === 'users' ? users : kind === 'orders' ? orders : undefined;
    return known?.has(id ?? '') ? send(200, { id }) : send(404, { title: 'Not Found' });
  });
  await new Promise<void>((resolve) => server!.listen(0, host, resolve));
  return { url: `http://${host}:${(server.address() as { port: number }).port}`, seen };
}

async function load(gateway: string, ...flags: string[]) {
  const captured = captureIo(process.cwd());
  const code = await runCli(['load', '--gateway', gateway, ...flags], captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

describe('flotilla load', () => {
  it('creates users, orders for real users, reads both back, and counts errors by status', async () => {
    const gateway = await fakeGateway(0, 4);
    const { code, stdout } = await load(gateway.url, '--rate', '200', '--duration', '1', '--json');
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary.sent).toBe(200);
    expect(summary.completed).toBe(200);
    expect(gateway.seen).toHaveLength(200);
    expect(gateway.seen[0]).toMatchObject({ method: 'POST', path: '/api/users' });
    const kinds = new Set(gateway.seen.map((request) => `${request.method} ${request.path.split('/')[2]}`));
    expect(kinds).toEqual(new Set(['POST users', 'POST orders', 'GET users', 'GET orders']));
    const placed = gateway.seen.filter(
      (request) => request.method === 'POST' && request.path === '/api/orders',
    );
    // Every order names a user the gateway created and carries its own idempotency key.
    expect(new Set(placed.map((request) => request.idempotencyKey)).size).toBe(placed.length);
    expect(summary.errors['422']).toBeUndefined();
    expect(summary.errors['404']).toBeUndefined();
    expect(summary.errors['503']).toBe(Math.floor(placed.length / 4));
    expect(summary.rateLimited).toBe(0);
    expect(summary.latencyMs.p50).toBeGreaterThan(0);
    expect(summary.latencyMs.p99).toBeGreaterThanOrEqual(summary.latencyMs.p95);
  });

  it('keeps the arrival rate when the server is slow (open model), and counts latency from the schedule', async () => {
    const gateway = await fakeGateway(300);
    const started = Date.now();
    const { stdout } = await load(gateway.url, '--rate', '100', '--duration', '1', '--json');
    const summary = JSON.parse(stdout);
    // A closed loop would have waited for answers; here all 100 went out within the second.
    expect(summary.sent).toBe(100);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(summary.latencyMs.p50).toBeGreaterThanOrEqual(290);
  });

  it('prints a readable summary, and counts refused connections as errors', async () => {
    const gateway = await fakeGateway();
    const readable = await load(gateway.url, '--rate', '50', '--duration', '0.2');
    expect(readable.stdout).toMatch(/^requests\s+10 sent, 10 answered/m);
    expect(readable.stdout).toMatch(/^latency\s+p50 [\d.]+ ms {2}p95 [\d.]+ ms {2}p99 [\d.]+ ms/m);
    expect(readable.stdout).toMatch(/^errors\s+none$/m);
    server?.close();
    const refused = await load(gateway.url, '--rate', '50', '--duration', '0.2');
    expect(refused.code).toBe(0);
    expect(refused.stdout).toMatch(/^errors\s+ECONNREFUSED: 10$/m);
  });

  it('spreads requests over clients, each from its own loopback address and API key, one connection each', async () => {
    const gateway = await fakeGateway();
    const { code, stdout } = await load(
      gateway.url,
      '--rate',
      '200',
      '--duration',
      '1',
      '--clients',
      '5',
      '--json',
    );
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary.clients).toEqual({ count: 5, distinctAddresses: true });
    const keys = new Set(gateway.seen.map((request) => request.apiKey));
    expect(keys).toEqual(new Set([0, 1, 2, 3, 4].map((k) => `load-client-${k}`)));
    // The address a request came from is always its client's own.
    const addressOf = new Map(gateway.seen.map((request) => [request.apiKey, request.remoteAddress]));
    for (const request of gateway.seen) expect(request.remoteAddress).toBe(addressOf.get(request.apiKey));
    expect(new Set(addressOf.values())).toEqual(new Set([1, 2, 3, 4, 5].map((n) => `127.1.0.${n}`)));
  });

  it('defaults to one client per req/s, and reports 429s apart from errors', async () => {
    const gateway = await fakeGateway(0, 0, 'load-client-0');
    const { stdout } = await load(gateway.url, '--rate', '100', '--duration', '1', '--json');
    const summary = JSON.parse(stdout);
    expect(summary.clients.count).toBe(100);
    const limited = gateway.seen.filter((request) => request.apiKey === 'load-client-0').length;
    expect(summary.rateLimited).toBe(limited);
    expect(summary.errors['429']).toBeUndefined();
    const readable = await load(gateway.url, '--rate', '50', '--duration', '0.2', '--clients', '1');
    expect(readable.stdout).toMatch(/^limited\s+10 answered 429 \(rate limit\)$/m);
    expect(readable.stdout).toMatch(/^errors\s+none$/m);
  });

  it('finds the knee: steps up until p99 breaks, one line per step, then the knee and what broke', async () => {
    const gateway = await fakeGateway(30);
    const { code, stdout } = await load(
      gateway.url,
      '--find-knee',
      '--rate',
      '20',
      '--step',
      '20',
      '--max-rate',
      '40',
      '--duration',
      '0.5',
      '--p99',
      '10',
    );
    expect(code).toBe(0);
    // Every answer takes 30 ms: the first step breaks already.
    expect(stdout).toMatch(/^step +20 req\/s .* broke: p99 [\d.]+ ms > 10 ms$/m);
    expect(stdout).toMatch(/^knee +none: the first step broke$/m);
    expect(stdout).toMatch(/^at 20 req\/s: p99/m);
  });

  it('finds the knee: prints the steps, the knee and what broke as JSON, and stops at --max-rate', async () => {
    const gateway = await fakeGateway();
    const held = await load(
      gateway.url,
      '--find-knee',
      '--rate',
      '20',
      '--step',
      '20',
      '--max-rate',
      '40',
      '--duration',
      '2',
      '--p99',
      '5000',
      '--json',
    );
    const result = JSON.parse(held.stdout);
    expect(result).toMatchObject({ knee: 40 });
    expect(result.broken).toBeUndefined();
    expect(result.steps.map((step: { rate: number }) => step.rate)).toEqual([20, 40]);
    expect(result.steps[1].summary).toMatchObject({ sent: 80, rateLimited: 0, clients: { count: 40 } });
  });

  // A non-loopback address of this machine, if it has one.
  const external = Object.values(networkInterfaces())
    .flat()
    .find((address) => address?.family === 'IPv4' && !address.internal)?.address;

  it.skipIf(external === undefined)(
    'has all clients share the address to a non-loopback gateway, and says so',
    async () => {
      const gateway = await fakeGateway(0, 0, '', external);
      const { code, stdout, stderr } = await load(
        gateway.url,
        '--rate',
        '50',
        '--duration',
        '0.2',
        '--clients',
        '3',
      );
      expect(code).toBe(0);
      expect(stdout).toMatch(/^clients\s+3, sharing one address$/m);
      expect(stderr).toMatch(/all clients share this machine's address/);
      expect(new Set(gateway.seen.map((request) => request.remoteAddress))).toEqual(new Set([external]));
      expect(new Set(gateway.seen.map((request) => request.apiKey)).size).toBeGreaterThan(1);
    },
  );

  it.each([
    [['--duration', '1'], 'load: --rate is required'],
    [['--rate', '10'], 'load: --duration is required'],
    [['--rate', '10', '--duration', '1', '--clients', '0'], '--clients must be a positive number, got "0"'],
    [['--rate', '10', '--duration', '1', '--clients', '2.5'], '--clients must be a whole number, got "2.5"'],
    [['--rate', '10', '--duration', '1', '--p99', '20'], 'load: --p99 needs --find-knee'],
    [['--rate', '10', '--find-knee', '--factor', '1'], '--factor must be above 1, got "1"'],
    [
      ['--rate', '10', '--find-knee', '--factor', '2', '--step', '5'],
      'load: give --factor or --step, not both',
    ],
    [['--rate', '10', '--find-knee', '--p99', 'fast'], '--p99 must be a positive number, got "fast"'],
    [['--rate', '10', '--find-knee', '--max-rate=-1'], '--max-rate must be a positive number, got "-1"'],
  ])('refuses %j with a usage error (exit 2)', async (flags, message) => {
    const { code, stderr, stdout } = await load('http://127.0.0.1:9', ...flags);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stdout).toBe('');
  });
});
