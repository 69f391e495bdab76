import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staticBalancer } from '../discovery/index.js';
import { startTelemetry } from '../telemetry/index.js';
import { createServiceClient } from './index.js';

const seen: IncomingHttpHeaders[] = [];
let failuresLeft = 0;
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push(request.headers);
    const failing = failuresLeft-- > 0;
    response.writeHead(failing ? 503 : 200, { 'content-type': 'application/json' });
    response.end(failing ? '{"code":"UPSTREAM_UNAVAILABLE"}' : '{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('service client tracing', () => {
  it('makes a call span with one client span per attempt, each sent as traceparent', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = startTelemetry({
      enabled: true,
      serviceName: 'orders',
      serviceVersion: '0.0.1',
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const client = createServiceClient('users', {
      balancer: staticBalancer({ users: [url] }),
      tracing,
      settings: { retryBaseDelayMs: 1, retryMaxDelayMs: 2 },
    });
    seen.length = 0;
    failuresLeft = 1;
    await tracing.withSpan('POST /orders', {}, () => client.get('/users/7'));
    await client.close();

    const spans = exporter.getFinishedSpans();
    const root = spans.find((span) => span.name === 'POST /orders')!;
    const call = spans.find((span) => span.name === 'call users GET')!;
    const attempts = spans.filter((span) => span.name === 'GET');
    expect(call.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    expect(attempts).toHaveLength(2);
    expect(attempts.map((span) => span.attributes['http.response.status_code'])).toEqual([503, 200]);
    for (const attempt of attempts) expect(attempt.parentSpanContext?.spanId).toBe(call.spanContext().spanId);
    expect(call.events.map((event) => event.name)).toContain('retry');
    expect(seen.map((headers) => headers.traceparent)).toEqual(
      attempts.map((span) => `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`),
    );
    await tracing.shutdown();
  });
});
