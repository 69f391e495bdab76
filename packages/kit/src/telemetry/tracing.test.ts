import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config/index.js';
import {
  currentTraceIds,
  extractTraceContext,
  injectTraceContext,
  logShipperOptionsFrom,
  startTelemetry,
  telemetryConfigSchema,
  telemetryOptionsFrom,
  traceLogFields,
  traceparentOf,
} from './index.js';

const VALID = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

function traced() {
  const exporter = new InMemorySpanExporter();
  const telemetry = startTelemetry({
    enabled: true,
    serviceName: 'unit',
    serviceVersion: '0.0.1',
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  return { telemetry, exporter };
}

describe('trace context', () => {
  it('continues a valid traceparent from headers, arrays and broker bytes', () => {
    for (const carrier of [
      { traceparent: VALID },
      { traceparent: [VALID] },
      { traceparent: Buffer.from(VALID) },
    ]) {
      expect(trace.getSpanContext(extractTraceContext(carrier))?.traceId).toBe(
        '4bf92f3577b34da6a3ce929d0e0e4736',
      );
    }
  });

  it('ignores missing, malformed and all-zero traceparents', () => {
    for (const traceparent of [
      undefined,
      '',
      'garbage',
      `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
      `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01`,
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    ]) {
      expect(trace.getSpanContext(extractTraceContext({ traceparent }))).toBeUndefined();
    }
    expect(trace.getSpanContext(extractTraceContext(undefined))).toBeUndefined();
  });

  it('round-trips through a plain carrier, as events carry it', async () => {
    const { telemetry, exporter } = traced();
    const carrier = await telemetry.withSpan('publish', {}, () => {
      expect(traceLogFields()).toEqual({
        trace_id: currentTraceIds()?.traceId,
        span_id: currentTraceIds()?.spanId,
      });
      expect(traceparentOf()).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      return injectTraceContext({} as Record<string, unknown>);
    });
    await telemetry.withSpan('consume', { parent: extractTraceContext(carrier) }, () => undefined);
    const [publish, consume] = exporter.getFinishedSpans();
    expect(consume?.spanContext().traceId).toBe(publish?.spanContext().traceId);
    expect(consume?.parentSpanContext?.spanId).toBe(publish?.spanContext().spanId);
    expect(currentTraceIds()).toBeUndefined();
    expect(traceLogFields()).toEqual({});
    expect(injectTraceContext({}, context.active())).toEqual({});
  });

  it('marks a span failed when its work throws, and rethrows', async () => {
    const { telemetry, exporter } = traced();
    await expect(
      telemetry.withSpan('boom', {}, () => {
        throw new Error('bad');
      }),
    ).rejects.toThrow('bad');
    const [span] = exporter.getFinishedSpans();
    expect(span?.status).toMatchObject({ code: 2, message: 'bad' });
    expect(span?.events[0]?.name).toBe('exception');
  });

  it('makes no spans when disabled', async () => {
    const telemetry = startTelemetry({ enabled: false, serviceName: 'off', serviceVersion: '1' });
    await telemetry.withSpan('nothing', {}, () => expect(currentTraceIds()).toBeUndefined());
  });
});

describe('telemetry config', () => {
  const load = (environment: Record<string, string>) =>
    telemetryOptionsFrom(loadConfig(telemetryConfigSchema, environment, { subject: 'svc' }).values, {
      name: 'svc',
      version: '1.0.0',
    });

  it('follows the OTEL_* variables', () => {
    expect(load({})).toMatchObject({
      enabled: true,
      serviceName: 'svc',
      sampler: { name: 'budget', tracesPerSecond: 10, slowSpanMs: 250 },
    });
    expect(load({ TRACES_PER_SECOND: '50', TRACES_SLOW_SPAN: '1s' })).toMatchObject({
      sampler: { name: 'budget', tracesPerSecond: 50, slowSpanMs: 1000 },
    });
    expect(load({})).not.toHaveProperty('exporter');
    expect(
      load({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_TRACES_SAMPLER: 'traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
        OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs,team=a%20b',
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20x',
      }),
    ).toMatchObject({
      serviceName: 'from-attrs',
      resourceAttributes: { team: 'a b' },
      sampler: { name: 'traceidratio', ratio: 0.25 },
      exporter: {
        endpoint: 'http://collector:4318/v1/traces',
        protocol: 'http/json',
        headers: { authorization: 'Bearer x' },
      },
    });
    expect(
      load({
        OTEL_SERVICE_NAME: 'named',
        OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:9999/custom',
        OTEL_SDK_DISABLED: 'true',
      }),
    ).toMatchObject({
      enabled: false,
      serviceName: 'named',
      exporter: { endpoint: 'http://traces:9999/custom' },
    });
  });

  it('ships logs to the same collector as traces, under the same resource', () => {
    const shipping = (environment: Record<string, string>) =>
      logShipperOptionsFrom(loadConfig(telemetryConfigSchema, environment, { subject: 'svc' }).values, {
        name: 'svc',
        version: '1.0.0',
        instanceId: 'i-1',
      });
    expect(shipping({})).toBeUndefined();
    expect(
      shipping({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
        OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs,team=a',
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20x',
      }),
    ).toEqual({
      endpoint: 'http://collector:4318/v1/logs',
      serviceName: 'from-attrs',
      serviceVersion: '1.0.0',
      instanceId: 'i-1',
      resourceAttributes: { 'service.name': 'from-attrs', team: 'a' },
      headers: { authorization: 'Bearer x' },
    });
    expect(
      shipping({
        OTEL_SERVICE_NAME: 'named',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://logs:9999/custom',
      }),
    ).toMatchObject({ endpoint: 'http://logs:9999/custom', serviceName: 'named' });
    expect(
      shipping({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_LOGS_EXPORTER: 'none' }),
    ).toBeUndefined();
    expect(
      shipping({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }),
    ).toBeUndefined();
  });

  it('reports every bad OTEL_* variable at once', () => {
    expect(() =>
      load({
        OTEL_TRACES_SAMPLER_ARG: '1.5',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_RESOURCE_ATTRIBUTES: 'novalue',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://x',
      }),
    ).toThrow(ConfigError);
    expect(() => load({ OTEL_TRACES_SAMPLER_ARG: '1.5', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(
      /OTEL_EXPORTER_OTLP_PROTOCOL[\s\S]*OTEL_TRACES_SAMPLER_ARG|OTEL_TRACES_SAMPLER_ARG[\s\S]*OTEL_EXPORTER_OTLP_PROTOCOL/,
    );
  });
});
