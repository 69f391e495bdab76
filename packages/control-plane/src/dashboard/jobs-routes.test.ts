import { createServer, type Server } from 'node:http';
import { FlotillaError, toProblem } from '@flotilla/kit/errors';
import { createHttpServer, type HttpServer } from '@flotilla/kit/http';
import { createLogger } from '@flotilla/kit/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstanceView } from './dashboard-options.js';
import type { JobsOverview } from './jobs-routes.js';
import { registerDashboard } from './register-dashboard.js';

const run = {
  id: 'run-1',
  job: 'prune',
  tick: '2026-01-01T00:00:00.000Z',
  trigger: 'manual',
  status: 'running',
  attempts: 1,
  claimedBy: 'notifications-1',
  lastError: null,
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: null,
  nextAttemptAt: null,
};
const job = {
  name: 'prune',
  schedule: '0 * * * *',
  timezone: 'UTC',
  missed: 'skip',
  maxAttempts: 5,
  leaseMs: 60_000,
  nextTick: '2026-01-01T01:00:00.000Z',
  runs: [run],
};

/**
 * An instance answering the kit's jobs endpoints with `jobs`; when undefined, a process without them,
 * answering every request as the kit answers a route it does not have.
 */
async function instance(
  id: string,
  jobs: unknown[] | undefined,
): Promise<{ server: Server; view: InstanceView }> {
  const server = createServer((request, response) => {
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (jobs === undefined) return send(404, toProblem(new FlotillaError('ROUTE_NOT_FOUND')));
    if (request.method === 'GET' && request.url === '/jobs?limit=10') return send(200, { jobs });
    if (request.method === 'POST' && request.url === '/jobs/prune/run') return send(202, { run });
    send(404, { type: 'about:blank', title: 'Not found', status: 404, code: 'NOT_FOUND', detail: 'no job' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, view: { id, address: '127.0.0.1', port, health: 'passing' } };
}

describe('jobs routes', () => {
  const servers: Server[] = [];
  let app: HttpServer;

  beforeAll(async () => {
    const notifications = await instance('notifications-1', [job]);
    const users = await instance('users-1', []);
    const legacy = await instance('legacy-1', undefined);
    const gateway = await instance('gateway-1', undefined);
    servers.push(notifications.server, users.server, legacy.server, gateway.server);
    app = await createHttpServer({
      name: 'control-plane',
      version: '0.1.0',
      logger: createLogger({ name: 'control-plane', level: 'silent' }),
    });
    registerDashboard(app, {
      listServices: async () => [
        { name: 'gateway', instances: [gateway.view] },
        { name: 'users', instances: [users.view] },
        { name: 'notifications', instances: [notifications.view] },
        { name: 'legacy', instances: [legacy.view] },
        { name: 'orders', instances: [{ ...users.view, id: 'orders-1', health: 'critical' }] },
      ],
    });
  });
  afterAll(async () => {
    await app.close();
    for (const server of servers) server.close();
  });

  it('lists the services that have jobs with their history, and those that could not be asked', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/jobs' });
    expect(response.statusCode).toBe(200);
    expect(response.json<JobsOverview>()).toEqual({
      services: [{ service: 'notifications', instance: 'notifications-1', jobs: [job] }],
      unavailable: [{ service: 'orders', error: "'orders' has no passing instance" }],
    });
  });

  it('runs a job now through one instance, and relays an unknown job as 404', async () => {
    const started = await app.inject({ method: 'POST', url: '/api/services/notifications/jobs/prune/run' });
    expect([started.statusCode, started.json()]).toEqual([
      202,
      { service: 'notifications', instance: 'notifications-1', run },
    ]);
    const unknown = await app.inject({ method: 'POST', url: '/api/services/notifications/jobs/nope/run' });
    expect([unknown.statusCode, unknown.json().code]).toEqual([404, 'NOT_FOUND']);
  });
});
