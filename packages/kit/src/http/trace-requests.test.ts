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
});
