import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { residentBytes } from '../support/processes.js';
import { type GatewayOverEcho, gatewayOverEcho } from './support/gateway-over-echo.js';
import { recordFigure } from './support/record-figure.js';

/**
 * Scenario 7a: 1,000 slow clients (slowloris: a request line, then one more header line a second,
 * never the blank line that ends the headers) hold connections to the gateway. Its header timeout
 * must cut every one of them, it must keep answering normal requests meanwhile, and its resident
 * memory stays under a cap.
 */
const SLOW_CLIENTS = 1_000;
const HEADERS_TIMEOUT_MS = 5_000;
const RSS_CAP_BYTES = 400 * 1024 * 1024;
const MB = 1024 * 1024;

let system: GatewayOverEcho;

beforeAll(async () => {
  system = await gatewayOverEcho({ HEADERS_TIMEOUT: `${HEADERS_TIMEOUT_MS}ms` });
}, 90_000);
afterAll(async () => {
  await system?.close();
});

interface SlowClient {
  readonly socket: Socket;
  /** Resolves when the gateway closed the connection, with what it sent first (if anything). */
  readonly cut: Promise<string>;
}

function slowClient(port: number, index: number): SlowClient {
  const socket = connect(port, '127.0.0.1');
  let answer = '';
  let ticker: NodeJS.Timeout | undefined;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    answer += chunk;
  });
  socket.on('connect', () => {
    socket.write(`GET /api/echo/slow-${index} HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
    let line = 0;
    ticker = setInterval(() => {
      if (!socket.destroyed) socket.write(`X-Slow-${line++}: ${'a'.repeat(32)}\r\n`);
    }, 1_000);
  });
  const cut = new Promise<string>((resolve) => {
    socket.on('close', () => {
      clearInterval(ticker);
      resolve(answer);
    });
    socket.on('error', () => {});
  });
  return { socket, cut };
}

describe('gateway memory with slow clients', () => {
  it(`cuts ${SLOW_CLIENTS.toLocaleString('en')} slow clients by its header timeout, serves others meanwhile, RSS bounded`, async () => {
    const { gateway, path } = system;
    const pid = gateway.child.pid!;
    const port = Number(new URL(gateway.url).port);
    const baseline = residentBytes(pid)!;

    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, residentBytes(pid) ?? 0);
    }, 200);
    const begun = performance.now();
    const clients: SlowClient[] = [];
    // In batches, so the listen backlog is not what refuses them.
    for (let index = 0; index < SLOW_CLIENTS; index += 100) {
      for (let offset = 0; offset < 100; offset++) clients.push(slowClient(port, index + offset));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    // Normal requests while the slow ones hold their connections.
    const normal: { status: number; ms: number }[] = [];
    while (performance.now() - begun < HEADERS_TIMEOUT_MS - 500) {
      const started = performance.now();
      const response = await fetch(`${gateway.url}${path}`, { signal: AbortSignal.timeout(5_000) });
      await response.text();
      normal.push({ status: response.status, ms: performance.now() - started });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }

    // Hang guard: a connection the gateway never cuts fails the test here.
    const guard = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('slow clients still connected')), HEADERS_TIMEOUT_MS * 4),
    );
    const answers = await Promise.race([Promise.all(clients.map((client) => client.cut)), guard]);
    const allCutMs = performance.now() - begun;
    clearInterval(sampler);
    const timedOut = answers.filter((answer) => answer.startsWith('HTTP/1.1 408')).length;
    const normalOk = normal.filter((answer) => answer.status === 200).length;
    const normalMax = Math.max(...normal.map((answer) => answer.ms));

    recordFigure(import.meta.url, {
      id: '7-memory-slow-clients',
      title: 'Gateway memory with 1,000 slow clients',
      result: `RSS ${Math.round(baseline / MB)} MB idle → peak ${Math.round(peak / MB)} MB with ${SLOW_CLIENTS.toLocaleString('en')} slow clients; all cut by the ${HEADERS_TIMEOUT_MS / 1000} s header timeout (${timedOut} answered 408) within ${(allCutMs / 1000).toFixed(1)} s; normal requests ${normalOk}/${normal.length} answered 200 meanwhile (max ${Math.round(normalMax)} ms)`,
      measurements: {
        slowClients: SLOW_CLIENTS,
        headersTimeoutMs: HEADERS_TIMEOUT_MS,
        baselineRssBytes: baseline,
        peakRssBytes: peak,
        rssPerSlowClientBytes: Math.round((peak - baseline) / SLOW_CLIENTS),
        answered408: timedOut,
        allCutAfterMs: Math.round(allCutMs),
        normalRequests: normal.length,
        normalOk,
        normalMaxMs: Math.round(normalMax),
      },
    });
    expect(normal.length).toBeGreaterThan(0);
    expect(normalOk).toBe(normal.length);
    expect(peak).toBeLessThan(RSS_CAP_BYTES);
    // Cut by the header timeout, not by anything else: each was told 408 before the close.
    expect(timedOut).toBe(SLOW_CLIENTS);
  });
});
