import { gzipSync } from 'node:zlib';
import { createHttpServer, type HttpServer } from '@flotilla/kit/http';
import { createLogger, SpanKind, SpanStatusCode, startTelemetry } from '@flotilla/kit/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTraceRoutes, TraceStore } from './index.js';

let app: HttpServer;
let url: string;
const store = new TraceStore();

beforeAll(async () => {
  app = await createHttpServer({
    name: 'control-plane',
    version: '0.0.0',
    logger: createLogger({ name: 'control-plane', level: 'silent' }),
  });
  await registerTraceRoutes(app, store);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await app?.close();
});

/** JSON.parse's `any` keeps assertions on nested fields short. */
async function bodyOf(response: Response) {
  return JSON.parse(await response.text());
}

/** Makes a small trace through the kit's tracer, which exports with the official OTLP exporter. */
async function exportTrace(protocol: 'http/protobuf' | 'http/json') {
  const telemetry = startTelemetry({
    enabled: true,
    serviceName: `svc-${protocol}`,
    serviceVersion: '1.0.0',
    instanceId: 'instance-1',
    exporter: { endpoint: `${url}/v1/traces`, protocol },
  });
  const ids = await telemetry.withSpan(
    'GET /orders/:id',
    { kind: SpanKind.SERVER, attributes: { 'http.route': '/orders/:id', 'http.response.status_code': 200 } },
    async (server) => {
      const other = telemetry.tracer.startSpan('elsewhere', { root: true });
      other.end();
      const child = await telemetry.withSpan(
        'SELECT',
        {
          kind: SpanKind.CLIENT,
          attributes: { 'db.query.text': 'SELECT 1', flags: [true, false], big: 2 ** 40 },
          links: [{ context: other.spanContext(), attributes: { reason: 'batch' } }],
        },
        async (span) => {
          span.addEvent('rows', { count: 3 });
          span.setStatus({ code: SpanStatusCode.ERROR, message: 'slow' });
          return span.spanContext().spanId;
        },
      );
      return {
        traceId: server.spanContext().traceId,
        server: server.spanContext().spanId,
        child,
        other: other.spanContext(),
      };
    },
  );
  await telemetry.shutdown();
  return ids;
}

describe('the OTLP/HTTP receiver', () => {
  for (const protocol of ['http/protobuf', 'http/json'] as const) {
    it(`stores what the official ${protocol} exporter sends`, async () => {
      const ids = await exportTrace(protocol);
      const response = await fetch(`${url}/api/traces/${ids.traceId}`);
      expect(response.status).toBe(200);
      const { spans } = await bodyOf(response);
      expect(spans).toHaveLength(2);
      // Starts have millisecond precision in the SDK, so a parent and child may tie: find them by id.
      const server = spans.find((span: { spanId: string }) => span.spanId === ids.server);
      const child = spans.find((span: { spanId: string }) => span.spanId === ids.child);
      expect(server).toMatchObject({
        traceId: ids.traceId,
        spanId: ids.server,
        parentSpanId: null,
        serviceName: `svc-${protocol}`,
        name: 'GET /orders/:id',
        kind: 'server',
        status: { code: 'unset' },
        attributes: { 'http.route': '/orders/:id', 'http.response.status_code': 200 },
        resource: {
          'service.name': `svc-${protocol}`,
          'service.version': '1.0.0',
          'service.instance.id': 'instance-1',
        },
        scope: { name: '@flotilla/kit', version: '1.0.0' },
      });
      expect(child).toMatchObject({
        spanId: ids.child,
        parentSpanId: ids.server,
        kind: 'client',
        status: { code: 'error', message: 'slow' },
        attributes: { 'db.query.text': 'SELECT 1', flags: [true, false], big: 2 ** 40 },
        events: [{ name: 'rows', attributes: { count: 3 } }],
        links: [{ traceId: ids.other.traceId, spanId: ids.other.spanId, attributes: { reason: 'batch' } }],
      });
      expect(Date.parse(server.startTime)).toBeGreaterThan(Date.now() - 60_000);
      expect(server.durationMs).toBeGreaterThanOrEqual(child.durationMs);
      expect(BigInt(child.startTimeUnixNano)).toBeGreaterThanOrEqual(BigInt(server.startTimeUnixNano));
    });
  }

  it('accepts a gzip-compressed export', async () => {
    const traceId = 'a'.repeat(32);
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'zipped' } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId,
                  spanId: 'b'.repeat(16),
                  name: 'work',
                  kind: 1,
                  startTimeUnixNano: '1700000000000000000',
                  endTimeUnixNano: '1700000000250000000',
                },
              ],
            },
          ],
        },
      ],
    };
    const response = await fetch(`${url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify(body)),
    });
    expect(response.status).toBe(200);
    const { spans } = await bodyOf(await fetch(`${url}/api/traces/${traceId}`));
    expect(spans[0]).toMatchObject({ serviceName: 'zipped', kind: 'internal', durationMs: 250 });
    expect(spans[0].startTime).toBe('2023-11-14T22:13:20.000Z');
  });

  it('answers bad exports with problems', async () => {
    const garbage = await fetch(`${url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]),
    });
    expect(garbage.status).toBe(400);
    expect(garbage.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await bodyOf(garbage)).code).toBe('BAD_REQUEST');

    const badId = await fetch(`${url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'xyz', spanId: '1' }] }] }],
      }),
    });
    expect(badId.status).toBe(400);
    expect((await bodyOf(badId)).detail).toMatch(/traceId/);

    const wrongType = await fetch(`${url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'spans',
    });
    expect(wrongType.status).toBe(415);
  });
});

describe('the trace API', () => {
  it('answers an unknown or malformed trace id with a problem', async () => {
    const unknown = await fetch(`${url}/api/traces/${'c'.repeat(32)}`);
    expect([unknown.status, (await bodyOf(unknown)).code]).toEqual([404, 'NOT_FOUND']);
    const malformed = await fetch(`${url}/api/traces/not-a-trace`);
    expect([malformed.status, (await bodyOf(malformed)).code]).toEqual([400, 'VALIDATION_FAILED']);
    const badQuery = await fetch(`${url}/api/traces?status=maybe&limit=0`);
    expect([badQuery.status, (await bodyOf(badQuery)).code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('lists traces filtered by service, route, status and duration', async () => {
    const ids = await exportTrace('http/json');
    const list = async (query: string) =>
      (
        (await (await fetch(`${url}/api/traces?${query}`)).json()) as { traces: { traceId: string }[] }
      ).traces.map((trace) => trace.traceId);
    expect(await list('service=svc-http%2Fjson')).toContain(ids.traceId);
    expect(await list('service=nobody')).toEqual([]);
    expect(await list('route=%2Forders%2F%3Aid&status=error')).toContain(ids.traceId);
    expect(await list('route=%2Forders%2F%3Aid&status=ok')).not.toContain(ids.traceId);
    expect(await list('minDurationMs=60000')).toEqual([]);
    expect(await list('limit=1')).toHaveLength(1);
    const { traces } = await bodyOf(await fetch(`${url}/api/traces?service=svc-http%2Fjson`));
    expect(traces.find((trace: { traceId: string }) => trace.traceId === ids.traceId)).toMatchObject({
      traceId: ids.traceId,
      root: { serviceName: 'svc-http/json', name: 'GET /orders/:id' },
      services: ['svc-http/json'],
      spanCount: 2,
      status: 'error',
    });
  });
});
