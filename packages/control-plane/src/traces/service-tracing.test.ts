import { PassThrough } from 'node:stream';
import { defineService, FlotillaError, type RunningService, startService } from '@flotilla/kit';
import { createHttpServer, type HttpServer } from '@flotilla/kit/http';
import { createLogger } from '@flotilla/kit/telemetry';
import { type TestDatabase, testDatabase } from '@flotilla/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTraceRoutes, type SpanView, TraceStore } from './index.js';

// A service started by the kit, exporting to the receiver as a deployed one would.
const store = new TraceStore();
let receiver: HttpServer;
let service: RunningService;
let database: TestDatabase;
const logs: Record<string, unknown>[] = [];

const probe = defineService({
  name: 'traced',
  version: '2.0.0',
  routes(app, { db }) {
    app.get<{ Params: { id: string } }>('/items/:id', async (request) => {
      request.log.info({ item: request.params.id }, 'looking up item');
      const { rows } = await db.query<{ n: number }>('SELECT $1::int AS n', [Number(request.params.id)]);
      await db.transaction((tx) => tx.query('SELECT 2'));
      return { id: rows[0]?.n };
    });
    app.get('/fail', async () => {
      throw new FlotillaError('UPSTREAM_UNAVAILABLE', { detail: 'nobody home' });
    });
  },
});

beforeAll(async () => {
  receiver = await createHttpServer({
    name: 'control-plane',
    version: '0.0.0',
    logger: createLogger({ name: 'control-plane', level: 'silent' }),
  });
  await registerTraceRoutes(receiver, store);
  const receiverUrl = await receiver.listen({ host: '127.0.0.1', port: 0 });
  database = await testDatabase();
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().trim().split('\n')) logs.push(JSON.parse(line));
  });
  service = await startService(probe, {
    environment: {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test',
    },
    database,
    logDestination: logStream,
  });
});

afterAll(async () => {
  await service?.stop();
  await database?.dispose();
  await receiver?.close();
});

/** The trace's spans once the store holds `count` of them (exports are batched every 50 ms). */
async function spansOf(traceId: string, count: number): Promise<SpanView[]> {
  await expect.poll(() => store.get(traceId)?.length ?? 0, { timeout: 5_000 }).toBeGreaterThanOrEqual(count);
  return store.get(traceId) ?? [];
}

function serverSpanIn(spans: SpanView[]): SpanView {
  const span = spans.find((candidate) => candidate.kind === 'server');
  if (!span) throw new Error('no server span');
  return span;
}

const INCOMING_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const INCOMING_SPAN = '00f067aa0ba902b7';

describe('a traced service', () => {
  it('makes a server span named after the route, with database spans as children', async () => {
    const response = await fetch(`${service.url}/items/7`);
    expect(JSON.parse(await response.text())).toEqual({ id: 7 });
    const { traceId } = await waitForRoute();
    const spans = await spansOf(traceId, 4);
    const server = serverSpanIn(spans);
    expect(server).toMatchObject({
      serviceName: 'traced',
      name: 'GET /items/:id',
      parentSpanId: null,
      status: { code: 'unset' },
      attributes: {
        'http.request.method': 'GET',
        'http.route': '/items/:id',
        'url.path': '/items/7',
        'http.response.status_code': 200,
      },
      resource: { 'service.version': '2.0.0', 'deployment.environment.name': 'test' },
    });
    const select = spans.find((span) => span.attributes['db.query.text'] === 'SELECT $1::int AS n');
    expect(select).toMatchObject({
      name: 'SELECT',
      kind: 'client',
      parentSpanId: server.spanId,
      attributes: { 'db.system.name': 'postgresql', 'db.operation.name': 'SELECT' },
    });
    const transaction = spans.find((span) => span.name === 'transaction');
    expect(transaction?.parentSpanId).toBe(server.spanId);
    const inner = spans.find((span) => span.attributes['db.query.text'] === 'SELECT 2');
    expect(inner?.parentSpanId).toBe(transaction?.spanId);
  });

  it('continues an incoming traceparent', async () => {
    const response = await fetch(`${service.url}/items/1`, {
      headers: { traceparent: `00-${INCOMING_TRACE}-${INCOMING_SPAN}-01` },
    });
    expect(response.status).toBe(200);
    const server = serverSpanIn(await spansOf(INCOMING_TRACE, 4));
    expect(server.parentSpanId).toBe(INCOMING_SPAN);
  });

  for (const [label, traceparent] of [
    ['malformed', 'not-a-traceparent'],
    ['all-zero', `00-${'0'.repeat(32)}-${'0'.repeat(16)}-01`],
    ['zero span id', `00-${'1'.repeat(32)}-${'0'.repeat(16)}-01`],
  ] as const) {
    it(`starts a new trace for a ${label} traceparent`, async () => {
      const response = await fetch(`${service.url}/fail`, { headers: { traceparent } });
      expect(response.status).toBe(503);
      const problem = JSON.parse(await response.text());
      expect(problem.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(problem.traceId).not.toMatch(/^0+$|^1+$/);
      const server = serverSpanIn(await spansOf(problem.traceId, 1));
      expect(server).toMatchObject({
        name: 'GET /fail',
        parentSpanId: null,
        status: { code: 'error' },
        attributes: { 'http.response.status_code': 503, 'error.type': '503' },
      });
    });
  }

  it('writes trace_id and span_id on every log line of a request', async () => {
    const response = await fetch(`${service.url}/items/3`, {
      headers: { traceparent: `00-${'5'.repeat(32)}-${INCOMING_SPAN}-01` },
    });
    expect(response.status).toBe(200);
    const server = serverSpanIn(await spansOf('5'.repeat(32), 4));
    const lines = logs.filter((line) => line.trace_id === '5'.repeat(32));
    expect(lines.map((line) => line.msg)).toEqual(
      expect.arrayContaining(['looking up item', 'request completed']),
    );
    for (const line of lines) expect(line.span_id).toBe(server.spanId);
  });
});

async function waitForRoute() {
  const newest = () => store.query({ route: '/items/:id', limit: 1 });
  await expect.poll(newest, { timeout: 5_000 }).toHaveLength(1);
  return newest()[0]!;
}
