import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.js';
import { captureIo } from '../testing/capture-io.js';

interface Seen {
  method: string;
  path: string;
  body: Record<string, unknown> | undefined;
  idempotencyKey: string | undefined;
}

let server: Server | undefined;
afterEach(() => server?.close());

async function readBody(request: IncomingMessage) {
  let text = '';
  for await (const chunk of request) text += chunk;
  return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
}

/** A tiny gateway: users and orders in memory, every `failEvery`-th order refused with 503. */
async function fakeGateway(delayMs = 0, failEvery = 0) {
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
    });
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    const send = (status: number, payload?: unknown) =>
      response
        .writeHead(status, { 'content-type': 'application/json' })
        .end(payload ? JSON.stringify(payload) : '');
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
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen };
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
});
