import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, env } from '../config/index.js';
import { FlotillaError } from '../errors/index.js';
import { testDatabase } from '../testing/index.js';
import { defineService, type RunningService, startService } from './index.js';

const logs: string[] = [];
const logStream = new PassThrough();
logStream.on('data', (chunk: Buffer) => logs.push(chunk.toString()));

const probe = defineService({
  name: 'probe',
  version: '1.2.3',
  config: { PROBE_TOKEN: env.secret() },
  routes(app, { config }) {
    app.post(
      '/things',
      {
        schema: {
          body: Type.Object(
            { name: Type.String({ minLength: 1 }), count: Type.Integer({ minimum: 0 }) },
            { additionalProperties: false },
          ),
          response: { 201: Type.Object({ name: Type.String(), count: Type.Integer() }) },
        },
      },
      async (request, reply) => reply.code(201).send(request.body),
    );
    app.get('/crash', async () => {
      throw new Error(
        `connect ECONNREFUSED 10.9.8.7:5432 with ${config.PROBE_TOKEN} in SELECT secret FROM t`,
      );
    });
    app.get('/teapot', async () => {
      throw new FlotillaError('CONFLICT', { detail: 'already brewing' });
    });
  },
});

let service: RunningService;
let database: Awaited<ReturnType<typeof testDatabase>>;

beforeAll(async () => {
  database = await testDatabase();
  service = await startService(probe, {
    environment: { PROBE_TOKEN: 'tok-very-secret' },
    database,
    logDestination: logStream,
  });
});

afterAll(async () => {
  await service?.stop();
  await database?.dispose();
});

async function call(path: string, init?: RequestInit) {
  const response = await fetch(`${service.url}${path}`, init);
  const text = await response.text();
  return { response, text, body: text ? JSON.parse(text) : undefined };
}

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

describe('a service started by the kit', () => {
  it('serves its routes with the schema applied', async () => {
    const { response, body } = await call('/things', json({ name: 'a', count: 2 }));
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(body).toEqual({ name: 'a', count: 2 });
  });

  it('lists every bad field in one validation problem', async () => {
    const { response, body } = await call('/things', json({ name: '', count: -1, extra: true }));
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.errors.map((error: { field: string }) => error.field).sort()).toEqual([
      '/body',
      '/body/count',
      '/body/name',
    ]);
  });

  it('answers a crash with a 500 problem that holds no internals', async () => {
    const { response, text, body } = await call('/crash');
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(body).toMatchObject({ status: 500, code: 'INTERNAL', instance: '/crash' });
    // The trace id: it finds the request's spans and every log line written for it.
    expect(body.traceId).toMatch(/^[0-9a-f]{32}$/);
    const failure = logs.find((entry) => entry.includes(body.traceId) && entry.includes('request failed'));
    expect(failure).toBeDefined();
    expect(text).not.toMatch(/ECONNREFUSED|10\.9\.8\.7|SELECT|tok-very-secret|at .*\.ts/);
  });

  it('keeps the details of a crash in the log, with the secret masked', async () => {
    await call('/crash');
    const line = logs.find((entry) => entry.includes('request failed'));
    expect(line).toContain('ECONNREFUSED');
    expect(logs.join('')).not.toContain('tok-very-secret');
  });

  it('maps thrown catalogue errors to their status', async () => {
    const { response, body } = await call('/teapot');
    expect(response.status).toBe(409);
    expect(body).toMatchObject({ code: 'CONFLICT', detail: 'already brewing' });
  });

  it('answers malformed JSON, wrong content type and oversized bodies with problems', async () => {
    const malformed = await call('/things', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name":',
    });
    expect([malformed.response.status, malformed.body.code]).toEqual([400, 'MALFORMED_JSON']);
    const wrongType = await call('/things', {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: 'a,b',
    });
    expect([wrongType.response.status, wrongType.body.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const huge = await call('/things', json({ name: 'x'.repeat(2 * 1024 * 1024), count: 1 }));
    expect([huge.response.status, huge.body.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
  });

  it('answers an unknown route with a 404 problem', async () => {
    const { response, body } = await call('/nope?x=1');
    expect(response.status).toBe(404);
    expect(body).toMatchObject({ code: 'ROUTE_NOT_FOUND', instance: '/nope' });
  });

  it('publishes OpenAPI 3.1 built from the route schemas', async () => {
    const { body } = await call('/openapi.json');
    expect(body.openapi).toBe('3.1.0');
    expect(body.info).toMatchObject({ title: 'probe', version: '1.2.3' });
    expect(Object.keys(body.paths)).toContain('/things');
    expect(Object.keys(body.paths)).not.toContain('/health/ready');
  });

  it('reports health and metrics', async () => {
    expect((await call('/health/live')).response.status).toBe(200);
    expect((await call('/health/started')).response.status).toBe(200);
    const ready = await call('/health/ready');
    expect(ready.response.status).toBe(200);
    expect(ready.body.checks.database.status).toBe('pass');
    const metrics = await fetch(`${service.url}/metrics`).then((response) => response.text());
    expect(metrics).toMatch(
      /http_server_request_duration_seconds_count\{[^}]*http_route="\/things"[^}]*\} \d+/,
    );
    expect(metrics).toMatch(/^db_client_connection_count\{[^}]*state="idle"[^}]*\} \d+$/m);
    expect(metrics).toMatch(/^flotilla_outbox_pending\{[^}]*\} 0$/m);
    expect(metrics).toMatch(/^flotilla_outbox_oldest_pending_age_seconds\{[^}]*\} 0$/m);
    expect(metrics).toMatch(/^flotilla_dead_letters\{[^}]*\} 0$/m);
  });

  it('refuses to start with a bad config, naming every variable', async () => {
    await expect(
      startService(probe, { environment: { PORT: 'eighty', LOG_LEVEL: 'chatty' }, database }),
    ).rejects.toThrow(ConfigError);
    await expect(
      startService(probe, { environment: { PORT: 'eighty', LOG_LEVEL: 'chatty' }, database }),
    ).rejects.toThrow(/PORT[\s\S]*LOG_LEVEL[\s\S]*PROBE_TOKEN/);
  });
});

describe('a service exporting telemetry', () => {
  it('names the same instance in its shipped log records as in its spans', async () => {
    type Attribute = { key: string; value: { stringValue?: string } };
    // Each signal's resource as last exported, by path: /v1/logs, /v1/traces.
    const resources = new Map<string, Attribute[]>();
    const collector = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        // resourceLogs or resourceSpans: the resource is what is compared.
        const [signal] = Object.values(
          JSON.parse(body) as Record<string, { resource: { attributes: Attribute[] } }[]>,
        );
        resources.set(request.url as string, signal?.[0]?.resource.attributes ?? []);
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const own = await testDatabase();
    try {
      const exporting = await startService(probe, {
        environment: {
          PROBE_TOKEN: 'tok',
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        },
        database: own,
        logDestination: new PassThrough().resume(),
      });
      await fetch(`${exporting.url}/things`, json({ name: 'a', count: 1 }));
      // Stopping flushes both the span exporter and the log shipper.
      await exporting.stop();
      const instanceOf = (path: string) =>
        resources.get(path)?.find((attribute) => attribute.key === 'service.instance.id')?.value.stringValue;
      expect(instanceOf('/v1/logs')).toMatch(/^[0-9a-f-]{36}$/);
      expect(instanceOf('/v1/logs')).toBe(instanceOf('/v1/traces'));
    } finally {
      collector.close();
      await own.dispose();
    }
  });
});
