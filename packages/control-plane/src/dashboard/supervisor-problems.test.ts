import { createServer, type Server } from 'node:http';
import { createHttpServer } from '@flotilla/kit/http';
import { createLogger } from '@flotilla/kit/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Overview } from './overview.js';
import { registerDashboard } from './register-dashboard.js';
import { supervisorProblems } from './supervisor-problems.js';

const BUILD_FAILED = 'build `npx tsc --noEmit` failed (exit 2)\nsrc/routes.ts(7,3): error TS2322: <b>';

// What `flotilla start`'s `GET /processes` answers, as the test sets it.
let answer: { status: number; body: string } = { status: 200, body: '[]' };
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url !== '/processes') return response.writeHead(404).end();
    response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const instance = (id: string, fields: Record<string, unknown>) => ({
  id,
  name: id.split('/')[0],
  role: 'service',
  state: 'ready',
  restarts: 0,
  ...fields,
});

describe('supervisorProblems', () => {
  it('gives each process with a problem once, with its instances still serving', async () => {
    answer = {
      status: 200,
      body: JSON.stringify([
        instance('control-plane/1', { pid: 10 }),
        instance('users/1', { pid: 11, problem: 'src/routes.ts:7:29: Expected ")" but found ":"' }),
        instance('users/2', { pid: 12, problem: 'src/routes.ts:7:29: Expected ")" but found ":"' }),
        instance('users/3', { state: 'failed', problem: 'src/routes.ts:7:29: Expected ")" but found ":"' }),
        instance('orders/1', { state: 'failed', problem: BUILD_FAILED }),
      ]),
    };
    expect(await supervisorProblems(url)()).toEqual([
      { process: 'users', problem: 'src/routes.ts:7:29: Expected ")" but found ":"', serving: 2 },
      { process: 'orders', problem: BUILD_FAILED, serving: 0 },
    ]);
  });

  it('has none to show when the supervisor fails, answers something else, or is gone', async () => {
    answer = { status: 503, body: '{"title":"Service Unavailable","status":503}' };
    expect(await supervisorProblems(url)()).toEqual([]);
    answer = { status: 200, body: '{"processes":[]}' };
    expect(await supervisorProblems(url)()).toEqual([]);
    answer = { status: 200, body: 'not json' };
    expect(await supervisorProblems(url)()).toEqual([]);
    expect(await supervisorProblems('http://127.0.0.1:9')()).toEqual([]);
  });

  it('puts them in the overview, and takes them out once the supervisor no longer reports them', async () => {
    const app = await createHttpServer({
      name: 'control-plane',
      version: '0.1.0',
      logger: createLogger({ name: 'control-plane', level: 'silent' }),
    });
    registerDashboard(app, { listServices: async () => [], processProblems: supervisorProblems(url) });
    const overview = async () =>
      ((await app.inject({ method: 'GET', url: '/api/overview' })).json() as Overview).problems;
    try {
      answer = {
        status: 200,
        body: JSON.stringify([instance('orders/1', { pid: 13, problem: BUILD_FAILED })]),
      };
      expect(await overview()).toEqual([{ process: 'orders', problem: BUILD_FAILED, serving: 1 }]);
      answer = { status: 200, body: JSON.stringify([instance('orders/1', { pid: 14 })]) };
      expect(await overview()).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
