import { PassThrough } from 'node:stream';
import { staticBalancer } from '@flotilla/kit/discovery';
import { createLogger, startTelemetry, traceLogFields } from '@flotilla/kit/telemetry';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import type { Gateway } from './create-gateway.js';
import { closedPort } from './testing/closed-port.js';
import { echoUpstream } from './testing/echo-upstream.js';
import { startTestGateway, testRoute } from './testing/test-gateway.js';

const CLIENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_PARENT = '00f067aa0ba902b7';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function tracedGateway(instances: Record<string, string[]>, breakerThreshold = 5) {
  const exporter = new InMemorySpanExporter();
  const tracing = startTelemetry({
    enabled: true,
    serviceName: 'gateway',
    serviceVersion: '0.0.1',
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const stream = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().trim().split('\n')) lines.push(JSON.parse(line));
  });
  const logger = createLogger({ name: 'gateway', destination: stream, mixin: traceLogFields });
  const started = await startTestGateway(
    [testRoute({ prefix: '/api/users', service: 'users', retries: 0 })],
    staticBalancer(instances),
    { tracing, logger, breaker: { threshold: breakerThreshold, halfOpenAfterMs: 60_000 } },
  );
  cleanups.push(async () => {
    await started.close();
    await tracing.shutdown();
  });
  return { ...started, exporter, lines };
}

async function upstream() {
  const started = await echoUpstream();
  cleanups.push(() => started.close());
  return started;
}

describe('gateway tracing', () => {
  it('continues a valid traceparent and sends its own span to the upstream', async () => {
    const users = await upstream();
    const { url, exporter } = await tracedGateway({ users: [users.url] });
    const response = await fetch(`${url}/api/users/7`, {
      headers: {
        traceparent: `00-${CLIENT_TRACE}-${CLIENT_PARENT}-01`,
        tracestate: 'vendor=client',
        'user-agent': 'trace-test',
      },
    });
    expect(response.status).toBe(200);

    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('GET /api/users');
    expect(span?.kind).toBe(1); // SERVER
    expect(span?.spanContext().traceId).toBe(CLIENT_TRACE);
    expect(span?.parentSpanContext?.spanId).toBe(CLIENT_PARENT);
    expect(span?.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/api/users',
      'url.path': '/api/users/7',
      'url.scheme': 'http',
      'peer.service': 'users',
      'client.address': '127.0.0.1',
      'user_agent.original': 'trace-test',
      'http.response.status_code': 200,
    });
    expect(span?.status.code).toBe(0); // UNSET
    // The upstream continues the gateway's span, not the client's.
    expect(users.seen[0]?.headers.traceparent).toBe(`00-${CLIENT_TRACE}-${span?.spanContext().spanId}-01`);
    expect(users.seen[0]?.headers.tracestate).toBe('vendor=client');
  });

  it('starts a new trace for a malformed or all-zero traceparent, and never fails the request', async () => {
    const users = await upstream();
    const { url, exporter } = await tracedGateway({ users: [users.url] });
    for (const traceparent of ['garbage', `00-${'0'.repeat(32)}-${CLIENT_PARENT}-01`]) {
      const response = await fetch(`${url}/api/users/1`, { headers: { traceparent, tracestate: 'x=1' } });
      expect(response.status).toBe(200);
    }
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(2);
    for (const [index, span] of spans.entries()) {
      expect(span.parentSpanContext).toBeUndefined();
      expect(span.spanContext().traceId).toMatch(/^(?!0{32})[0-9a-f]{32}$/);
      expect(users.seen[index]?.headers.traceparent).toBe(
        `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`,
      );
      // A client's tracestate without a valid traceparent is not forwarded.
      expect(users.seen[index]?.headers.tracestate).toBeUndefined();
    }
    expect(spans[0]?.spanContext().traceId).not.toBe(spans[1]?.spanContext().traceId);
  });

  it('marks an upstream failure as an error and names the trace in the problem', async () => {
    const { url, exporter, lines } = await tracedGateway({ users: [await closedPort()] }, 1);
    const response = await fetch(`${url}/api/users/1`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(502);
    const problem = (await response.json()) as { traceId: string };
    const [span] = exporter.getFinishedSpans();
    expect(problem.traceId).toBe(span?.spanContext().traceId);
    expect(span?.name).toBe('POST /api/users');
    expect(span?.status.code).toBe(2); // ERROR
    expect(span?.attributes).toMatchObject({ 'error.type': 'BAD_GATEWAY', 'http.response.status_code': 502 });
    expect(span?.events.map((event) => event.name)).toContain('exception');
    // The breaker's log line, written while handling the request, carries its trace and span ids.
    const logged = lines.find((line) => line.msg === 'circuit opened');
    expect(logged).toMatchObject({
      trace_id: span?.spanContext().traceId,
      span_id: span?.spanContext().spanId,
    });
  });

  it('flags a 5xx answered by the upstream, and names an unknown route by its method only', async () => {
    const users = await upstream();
    users.status = 503;
    const { url, exporter } = await tracedGateway({ users: [users.url] });
    expect((await fetch(`${url}/api/users/1`)).status).toBe(503);
    const missing = await fetch(`${url}/api/nothing`);
    expect(missing.status).toBe(404);
    const [failed, unknown] = exporter.getFinishedSpans();
    expect(failed?.status.code).toBe(2);
    expect(failed?.attributes['error.type']).toBe('503');
    expect(unknown?.name).toBe('GET');
    expect(unknown?.attributes['http.route']).toBeUndefined();
    expect(unknown?.status.code).toBe(0);
    expect(((await missing.json()) as { traceId: string }).traceId).toBe(unknown?.spanContext().traceId);
  });

  it('makes no spans for its own endpoints and passes traceparent through untouched when off', async () => {
    const users = await upstream();
    const { url, exporter } = await tracedGateway({ users: [users.url] });
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
    expect(exporter.getFinishedSpans()).toHaveLength(0);

    const untraced: { gateway: Gateway; url: string; close(): Promise<void> } = await startTestGateway(
      [testRoute({ prefix: '/api/users', service: 'users' })],
      staticBalancer({ users: [users.url] }),
    );
    cleanups.push(() => untraced.close());
    const traceparent = `00-${CLIENT_TRACE}-${CLIENT_PARENT}-01`;
    const response = await fetch(`${untraced.url}/api/users/1`, { headers: { traceparent } });
    expect(response.status).toBe(200);
    expect(users.seen.at(-1)?.headers.traceparent).toBe(traceparent);
  });
});
