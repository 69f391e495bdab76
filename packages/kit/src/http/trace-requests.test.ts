import { PassThrough } from 'node:stream';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { createLogger, startTelemetry } from '../telemetry/index.js';
import { createHttpServer } from './create-http-server.js';

describe('request tracing', () => {
  it('gives each request a server span, except on routes whose config says untraced', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = startTelemetry({
      enabled: true,
      serviceName: 'orders',
      serviceVersion: '0.0.1',
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const app = await createHttpServer({
      name: 'orders',
      version: '0.0.1',
      logger: createLogger({ name: 'orders', level: 'silent' }),
      tracing,
    });
    app.get('/orders/:id', async () => ({ ok: true }));
    app.get('/probe', { config: { untraced: true } }, async () => ({ ok: true }));
    for (const url of ['/probe', '/openapi.json', '/orders/7', '/probe']) {
      expect((await app.inject({ url })).statusCode).toBe(200);
    }
    await app.close();
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['GET /orders/:id']);
    await tracing.shutdown();
  });

  it('writes the access line at info for sampled, failed and slow requests, at debug for the rest', async () => {
    // No budget: every new trace is unsampled, so only a sampled parent makes one sampled.
    const tracing = startTelemetry({
      enabled: true,
      serviceName: 'orders',
      serviceVersion: '0.0.1',
      sampler: { name: 'budget', tracesPerSecond: 0 },
    });
    const levels = async (slowRequestMs: number, traced = tracing) => {
      const lines: { level: number; msg: string; route: string; status: number }[] = [];
      const destination = new PassThrough();
      destination.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      });
      const app = await createHttpServer({
        name: 'orders',
        version: '0.0.1',
        logger: createLogger({ name: 'orders', level: 'debug', destination }),
        tracing: traced,
        slowRequestMs,
      });
      app.get('/quick', async () => ({ ok: true }));
      await app.inject({ url: '/quick' });
      await app.inject({ url: '/missing' });
      await app.inject({
        url: '/quick',
        headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
      });
      await app.close();
      return lines
        .filter((line) => line.msg === 'request completed')
        .map((line) => [line.status, line.level]);
    };
    const [debug, info] = [20, 30];
    expect(await levels(60_000)).toEqual([
      [200, debug],
      [404, info],
      [200, info],
    ]);
    // Every request lasts at least 0 ms: slow by that threshold.
    expect(await levels(0)).toEqual([
      [200, info],
      [404, info],
      [200, info],
    ]);
    // Tracing off: no trace to find a request by, so every line is kept.
    const off = startTelemetry({ enabled: false, serviceName: 'orders', serviceVersion: '0.0.1' });
    expect(await levels(60_000, off)).toEqual([
      [200, info],
      [404, info],
      [200, info],
    ]);
    await tracing.shutdown();
  });
});
