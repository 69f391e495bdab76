import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type CallOutcome,
  type LoadBalancer,
  type ServiceInstance,
  staticBalancer,
} from '../discovery/index.js';
import { FlotillaError } from '../errors/index.js';
import { clientMetrics } from './client-metrics.js';
import { createServiceClient, type ServiceClient } from './create-service-client.js';

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** An upstream whose answers are scripted per request, recording what it received. */
class ScriptedUpstream {
  readonly received: IncomingMessage[] = [];
  script: (n: number) => Answer = () => ({ status: 200, body: { ok: true } });
  server: Server = createServer((request, response) => {
    this.received.push(request);
    const answer = this.script(this.received.length);
    const json = answer.body === undefined ? '' : JSON.stringify(answer.body);
    response.writeHead(answer.status, {
      'content-type': answer.status >= 400 ? 'application/problem+json' : 'application/json',
      ...answer.headers,
    });
    request.resume();
    request.on('end', () => response.end(json));
  });
  url = '';

  async start(): Promise<this> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return this;
  }

  reset(script: (n: number) => Answer): void {
    this.received.length = 0;
    this.script = script;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const unavailable: Answer = { status: 503, body: { code: 'NOT_READY' } };
const fast = { retryBaseDelayMs: 1, retryMaxDelayMs: 5, retryBudgetMinPerSecond: 100 };

let upstream: ScriptedUpstream;
let spare: ScriptedUpstream;
const clients: ServiceClient[] = [];

function client(settings = {}, balancer: LoadBalancer = staticBalancer({ users: [upstream.url] })) {
  const made = createServiceClient('users', { balancer, settings: { ...fast, ...settings } });
  clients.push(made);
  return made;
}

beforeAll(async () => {
  upstream = await new ScriptedUpstream().start();
  spare = await new ScriptedUpstream().start();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((made) => made.close()));
});
afterAll(async () => {
  await upstream.stop();
  await spare.stop();
});

describe('service client call counts', () => {
  it('recovers after 3 failures in 4 calls', async () => {
    upstream.reset((n) => (n <= 3 ? unavailable : { status: 200, body: { id: 'u1' } }));
    await expect(client({ maxRetries: 3 }).get('/users/u1')).resolves.toEqual({ id: 'u1' });
    expect(upstream.received).toHaveLength(4);
  });

  it('makes 1 + maxRetries calls when every attempt fails, then throws the upstream code', async () => {
    upstream.reset(() => unavailable);
    await expect(client({ maxRetries: 2 }).get('/users/u1')).rejects.toMatchObject({ code: 'NOT_READY' });
    expect(upstream.received).toHaveLength(3);
  });

  it('makes 1 call for a 400, and maps the problem back', async () => {
    upstream.reset(() => ({ status: 400, body: { code: 'VALIDATION_FAILED', detail: 'bad id' } }));
    const error = await client({ maxRetries: 3 })
      .get('/users/x')
      .catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(FlotillaError);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED', detail: 'bad id', status: 400 });
    expect(upstream.received).toHaveLength(1);
  });

  it('makes 1 call for a POST without an Idempotency-Key on a 503, and retries one with a key', async () => {
    upstream.reset(() => ({ status: 503 }));
    await expect(client({ maxRetries: 3 }).post('/orders', { a: 1 })).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
    });
    expect(upstream.received).toHaveLength(1);

    upstream.reset((n) => (n === 1 ? { status: 503 } : { status: 201, body: { id: 'o1' } }));
    await expect(
      client({ maxRetries: 3 }).post('/orders', { a: 1 }, { idempotencyKey: 'k-1' }),
    ).resolves.toEqual({
      id: 'o1',
    });
    expect(upstream.received.map((request) => request.headers['idempotency-key'])).toEqual(['k-1', 'k-1']);
  });

  it('retries 502, 504 and 429 (mapped to retryable codes), not 500', async () => {
    for (const status of [502, 504, 429]) {
      upstream.reset((n) => (n === 1 ? { status } : { status: 200, body: 1 }));
      await expect(client({ maxRetries: 1 }).get('/x')).resolves.toBe(1);
      expect(upstream.received).toHaveLength(2);
    }
    upstream.reset(() => ({ status: 500, body: { code: 'INTERNAL' } }));
    await expect(client({ maxRetries: 3 }).get('/x')).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(upstream.received).toHaveLength(1);
  });
});

describe('service client routing and deadlines', () => {
  it('sends each retry to another instance and reports refused connections to the balancer', async () => {
    const dead = await new ScriptedUpstream().start();
    await dead.stop();
    const outcomes: [string, CallOutcome][] = [];
    const inner = staticBalancer({ users: [dead.url, upstream.url] });
    const picked: string[] = [];
    const balancer: LoadBalancer = {
      async pick(service, exclude) {
        const instance = (await inner.pick(service, exclude)) as ServiceInstance;
        picked.push(instance.id);
        return instance;
      },
      track: (instance) => ({ done: (outcome) => outcomes.push([instance.id, outcome]) }),
    };
    upstream.reset(() => ({ status: 200, body: 'fine' }));
    const users = client({ maxRetries: 2 }, balancer);
    for (let i = 0; i < 4; i++) await expect(users.get('/users')).resolves.toBe('fine');
    expect(outcomes.filter(([, outcome]) => outcome === 'refused').every(([id]) => id === 'users-0')).toBe(
      true,
    );
    expect(outcomes.some(([, outcome]) => outcome === 'refused')).toBe(true);
    for (let i = 0; i + 1 < picked.length; i++) {
      if (picked[i] === 'users-0') expect(picked[i + 1]).toBe('users-1');
    }
  });

  it('answers 503 when no instance passes', async () => {
    const none: LoadBalancer = { pick: async () => undefined, track: () => ({ done() {} }) };
    await expect(client({ maxRetries: 1 }, none).get('/users')).rejects.toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
    });
  });

  it('sends the remaining budget downstream, never more than the attempt timeout', async () => {
    upstream.reset(() => ({ status: 200, body: null }));
    await client({ attemptTimeoutMs: 800 }).get('/x');
    await client().get('/x', { deadline: Date.now() + 300 });
    const sent = upstream.received.map((request) => Number(request.headers['x-request-timeout-ms']));
    expect(sent[0]).toBeGreaterThan(700);
    expect(sent[0]).toBeLessThanOrEqual(800);
    expect(sent[1]).toBeGreaterThan(200);
    expect(sent[1]).toBeLessThanOrEqual(300);
  });

  it('refuses to call when the deadline has passed', async () => {
    upstream.reset(() => ({ status: 200, body: null }));
    await expect(client().get('/x', { deadline: Date.now() - 1 })).rejects.toMatchObject({
      code: 'DEADLINE_EXCEEDED',
    });
    expect(upstream.received).toHaveLength(0);
  });

  it('times out a slow attempt, retries elsewhere, and ends by the call timeout', async () => {
    upstream.reset(() => ({ status: 200, body: 'never seen' }));
    const slow = createServer(() => {}); // accepts, never answers
    slow.listen(0, '127.0.0.1');
    await once(slow, 'listening');
    const port = (slow.address() as { port: number }).port;
    const users = client(
      { attemptTimeoutMs: 100, timeoutMs: 1_000, maxRetries: 1 },
      staticBalancer({ users: [`http://127.0.0.1:${port}`, upstream.url] }),
    );
    await expect(users.get('/x')).resolves.toBe('never seen');
    expect(upstream.received).toHaveLength(1);

    const stuck = client(
      { attemptTimeoutMs: 100, timeoutMs: 250, maxRetries: 5 },
      staticBalancer({ users: [`http://127.0.0.1:${port}`] }),
    );
    const started = performance.now();
    await expect(stuck.get('/x')).rejects.toMatchObject({ code: 'UPSTREAM_TIMEOUT' });
    expect(performance.now() - started).toBeLessThan(2_000); // hang guard
    slow.closeAllConnections();
    slow.close();
  });
});

describe('service client breaker, fallback, budget and metrics', () => {
  it('opens after the threshold, then fails fast without calling; the fallback answers', async () => {
    upstream.reset(() => ({ status: 503 }));
    const registry = new Registry();
    const users = createServiceClient('users', {
      balancer: staticBalancer({ users: [upstream.url] }),
      settings: { ...fast, maxRetries: 0, breakerThreshold: 3, breakerHalfOpenAfterMs: 60_000 },
      metrics: clientMetrics(registry),
    });
    clients.push(users);
    for (let i = 0; i < 3; i++)
      await expect(users.get('/x')).rejects.toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(users.breaker().state).toBe('open');
    const error = await users.get('/x').catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: 'CIRCUIT_OPEN', status: 503 });
    expect((error as FlotillaError).retryAfterSeconds).toBeGreaterThanOrEqual(59);
    expect(upstream.received).toHaveLength(3);
    await expect(users.get('/x', { fallback: (failure) => `replica (${failure.code})` })).resolves.toBe(
      'replica (CIRCUIT_OPEN)',
    );
    expect(upstream.received).toHaveLength(3);
    const text = await registry.metrics();
    expect(text).toMatch(/flotilla_client_breaker_state\{target="users",state="open"\} 1/);
    expect(text).toMatch(/flotilla_client_calls_total\{target="users",outcome="CIRCUIT_OPEN"\} 2/);
    expect(text).toMatch(/flotilla_client_attempts_total\{target="users"\} 3/);
  });

  it('counts 4xx answers neither as breaker failures nor falls back on them', async () => {
    upstream.reset(() => ({ status: 404, body: { code: 'NOT_FOUND' } }));
    const users = client({ breakerThreshold: 2 });
    for (let i = 0; i < 5; i++) {
      await expect(users.get('/x', { fallback: () => 'no' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
    expect(users.breaker().state).toBe('closed');
  });

  it('keeps total attempts within (1 + budget) × calls when everything fails', async () => {
    upstream.reset(() => ({ status: 503 }));
    const users = client({
      maxRetries: 3,
      retryBudgetRatio: 0.2,
      retryBudgetMinPerSecond: 0,
      breakerThreshold: 1_000,
    });
    const calls = 50;
    for (let i = 0; i < calls; i++) await users.get('/x').catch(() => undefined);
    expect(upstream.received.length).toBeGreaterThan(calls);
    expect(upstream.received.length).toBeLessThanOrEqual(Math.floor((1 + 0.2) * calls));
  });

  it('rejects calls beyond the bulkhead without counting them against the breaker', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let arrived = 0;
    const held = createServer(async (request, response) => {
      arrived++;
      await gate;
      request.resume();
      response.writeHead(200, { 'content-type': 'application/json' }).end('1');
    });
    held.listen(0, '127.0.0.1');
    await once(held, 'listening');
    const users = client(
      { maxConcurrent: 1, maxQueue: 0, breakerThreshold: 1 },
      staticBalancer({ users: [`http://127.0.0.1:${(held.address() as { port: number }).port}`] }),
    );
    const first = users.get('/x');
    // The first call holds the bulkhead's one slot once it reached the upstream.
    await expect.poll(() => arrived).toBe(1);
    await expect(users.get('/x')).rejects.toMatchObject({ code: 'BULKHEAD_FULL' });
    expect(users.breaker().state).toBe('closed');
    release();
    await expect(first).resolves.toBe(1);
    held.close();
  });
});
