import { PassThrough } from 'node:stream';
import { defineService, type RunningService, startService } from '@flotilla/kit';
import { createHttpServer, type HttpServer } from '@flotilla/kit/http';
import { createLogger } from '@flotilla/kit/telemetry';
import { type TestDatabase, testDatabase } from '@flotilla/kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogStore, registerLogRoutes } from './index.js';

// A service started by the kit, shipping its log lines to the receiver as under `flotilla start`.
const store = new LogStore();
let receiver: HttpServer;
let receiverUrl: string;
let service: RunningService;
let database: TestDatabase;

const probe = defineService({
  name: 'logged',
  version: '3.0.0',
  routes(app) {
    app.get<{ Params: { id: string } }>('/items/:id', async (request) => {
      request.log.warn({ item: request.params.id }, 'looking up item');
      return { id: request.params.id };
    });
  },
});

beforeAll(async () => {
  receiver = await createHttpServer({
    name: 'control-plane',
    version: '0.0.0',
    logger: createLogger({ name: 'control-plane', level: 'silent' }),
  });
  await registerLogRoutes(receiver, store);
  receiverUrl = await receiver.listen({ host: '127.0.0.1', port: 0 });
  database = await testDatabase();
  service = await startService(probe, {
    environment: { OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl },
    database,
    logDestination: new PassThrough().resume(),
  });
});

afterAll(async () => {
  await service?.stop();
  await database?.dispose();
  await receiver?.close();
});

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('log lines from a kit service to the control plane', () => {
  it("ships a request's lines with its trace and span ids, level and fields", async () => {
    const response = await fetch(`${service.url}/items/42`, {
      headers: { traceparent: `00-${TRACE}-00f067aa0ba902b7-01` },
    });
    expect(response.status).toBe(200);
    await expect
      .poll(() => store.query({ traceId: TRACE }).map((line) => line.message), { timeout: 5_000 })
      .toEqual(['looking up item', 'request completed']);
    const [lookup, completed] = store.query({ traceId: TRACE });
    expect(lookup).toMatchObject({
      service: 'logged',
      level: 'warn',
      attributes: { item: '42' },
    });
    expect(lookup?.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(completed?.attributes).toMatchObject({ route: '/items/:id', status: 200 });
    expect(store.services()).toEqual(['logged']);

    const answer = await fetch(`${receiverUrl}/api/logs?traceId=${TRACE}&level=warn`);
    const body = (await answer.json()) as { logs: { message: string }[]; lastSeq: number };
    expect(body.logs.map((line) => line.message)).toEqual(['looking up item']);
    expect(body.lastSeq).toBeGreaterThanOrEqual(2);
  });

  it('refuses protobuf, which only the trace receiver decodes, with a problem', async () => {
    const answer = await fetch(`${receiverUrl}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: new Uint8Array([1, 2, 3]),
    });
    expect(answer.status).toBe(415);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
  });
});
