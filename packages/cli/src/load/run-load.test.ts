import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type LoadAnswer, runLoad } from './run-load.js';
import { TrafficMix } from './traffic-mix.js';

let server: Server | undefined;
afterEach(() => server?.close());

/**
 * A gateway that creates every user and order asked for, except that while `refusing()` it answers
 * every request with `refusal`: a status and whether it says when to retry.
 */
async function fakeGateway(refusing: () => { status: number; retryAfter: boolean } | undefined) {
  const paths: string[] = [];
  server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      paths.push(`${request.method} ${request.url}`);
      const refusal = refusing();
      if (refusal) {
        response.writeHead(refusal.status, refusal.retryAfter ? { 'retry-after': '1' } : {}).end();
        return;
      }
      const status = request.method === 'POST' ? 201 : 200;
      response
        .writeHead(status, { 'content-type': 'application/json' })
        .end(JSON.stringify({ id: randomUUID() }));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, paths };
}

describe('runLoad', () => {
  it('counts, per status, the refusals that carried Retry-After', async () => {
    let answered = 0;
    const gateway = await fakeGateway(() => {
      answered++;
      if (answered % 4 === 0) return { status: 503, retryAfter: answered % 8 === 0 };
      if (answered % 4 === 1 && answered > 1) return { status: 429, retryAfter: true };
      return undefined;
    });
    const summary = await runLoad({ gateway: gateway.url, rate: 200, durationS: 0.4, clients: 4 });
    expect(summary.sent).toBe(80);
    expect(summary.rateLimited).toBe(19);
    expect(summary.retryAfter['429']).toBe(19);
    expect(summary.errors['503']).toBe(20);
    expect(summary.retryAfter['503']).toBe(10);
  });

  it('reports each window of the run by the requests due in it', async () => {
    const gateway = await fakeGateway(() => undefined);
    const summary = await runLoad({ gateway: gateway.url, rate: 100, durationS: 1, windowS: 0.25 });
    expect(summary.windows?.map((window) => window.startS)).toEqual([0, 0.25, 0.5, 0.75]);
    expect(summary.windows?.map((window) => window.sent)).toEqual([25, 25, 25, 25]);
    expect(summary.windows?.map((window) => window.completed)).toEqual([25, 25, 25, 25]);
    expect(summary.windows?.every((window) => window.latencyMs.p99 > 0)).toBe(true);
    const whole = await runLoad({ gateway: gateway.url, rate: 100, durationS: 0.1 });
    expect(whole.windows).toBeUndefined();
  });

  it('carries on the traffic of an earlier run, and hands over each 2xx answer', async () => {
    const gateway = await fakeGateway(() => undefined);
    // Past 0.75 every pick reads an order, once there are users and orders to read.
    const mix = new TrafficMix(() => 0.9);
    const answers: LoadAnswer[] = [];
    const onAnswer = (answer: LoadAnswer) => answers.push(answer);
    await runLoad({ gateway: gateway.url, rate: 100, durationS: 0.5, clients: 1, mix, onAnswer });
    const first = gateway.paths.length;
    expect(gateway.paths.at(-1)).toMatch(/^GET \/api\/orders\//);
    await runLoad({ gateway: gateway.url, rate: 100, durationS: 0.2, mix, onAnswer });
    expect(gateway.paths.slice(first)).toHaveLength(20);
    expect(gateway.paths.slice(first).every((path) => path.startsWith('GET /api/orders/'))).toBe(true);
    expect(answers).toHaveLength(70);
    expect(answers[0]).toMatchObject({
      operation: 'create-user',
      status: 201,
      body: { id: expect.any(String) },
    });
  });

  it('sends nothing before `startAt`', async () => {
    const arrivals: number[] = [];
    const gateway = await fakeGateway(() => {
      arrivals.push(performance.now());
      return undefined;
    });
    const startAt = performance.now() + 200;
    const summary = await runLoad({ gateway: gateway.url, rate: 100, durationS: 0.1, startAt });
    expect(summary.completed).toBe(10);
    expect(Math.min(...arrivals)).toBeGreaterThanOrEqual(startAt);
  });
});
