/**
 * An open-loop load generator: requests are scheduled at a constant rate, whatever the server does,
 * and each latency is measured from the moment its request was due (as wrk2 does), so a stall is
 * counted for every request it delays. Neither wrk (closed loop) nor autocannon can do this:
 * autocannon's rate lets each connection send its whole quota for the second back to back, then
 * pause, so "half the peak rate" is really full load for half of each second.
 * Plain sockets and a minimal response parser keep the generator's own CPU cost small; the upstream
 * and the proxies all answer with a Content-Length. A connection the server closes (nginx after
 * `keepalive_requests`) is replaced, as wrk does.
 * The warm-up runs on the same connections as the measurement, so the measured seconds start with
 * the connections open and the proxy's code paths warm, as wrk2's calibration period does; otherwise
 * the first milliseconds would time accepting 64 connections rather than proxying.
 */
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface ConstantRateOptions {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly connections: number;
  /** Requests per second across all connections. */
  readonly rate: number;
  /** Seconds at the same rate, on the same connections, before the measured ones; not counted. */
  readonly warmUpSeconds: number;
  readonly seconds: number;
}

export interface ConstantRateResult {
  readonly requests: number;
  readonly failed: number;
  /** Milliseconds, from the moment each request was due. */
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

const HEADER_END = Buffer.from('\r\n\r\n');

interface Connection {
  readonly socket: Socket;
  pending: Buffer;
  dueAt: number;
}

export async function constantRate(options: ConstantRateOptions): Promise<ConstantRateResult> {
  const target = new URL(options.url);
  const request = Buffer.from(
    `GET ${target.pathname}${target.search} HTTP/1.1\r\nhost: ${target.host}\r\n` +
      Object.entries(options.headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('') +
      '\r\n',
  );
  const warmUp = Math.floor(options.rate * options.warmUpSeconds);
  const total = warmUp + Math.floor(options.rate * options.seconds);
  const latencies = new Float64Array(total - warmUp);
  let answered = 0;
  let completed = 0;
  let failed = 0;
  let scheduled = 0;
  const due: number[] = [];
  const idle: Connection[] = [];
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });

  const send = (connection: Connection, dueAt: number) => {
    connection.dueAt = dueAt;
    connection.socket.write(request);
  };
  // First in, first out: the load spreads over every connection, as wrk's does.
  const dispatch = () => {
    while (due.length > 0 && idle.length > 0) send(idle.shift()!, due.shift()!);
  };
  const release = (connection: Connection) => {
    idle.push(connection);
    dispatch();
  };
  const onData = (connection: Connection, chunk: Buffer) => {
    connection.pending = connection.pending.length === 0 ? chunk : Buffer.concat([connection.pending, chunk]);
    const headerEnd = connection.pending.indexOf(HEADER_END);
    if (headerEnd < 0) return;
    const head = connection.pending.toString('latin1', 0, headerEnd);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length) throw new Error(`${options.url}: a response without Content-Length`);
    const end = headerEnd + HEADER_END.length + Number(length[1]);
    if (connection.pending.length < end) return;
    connection.pending = connection.pending.subarray(end);
    if (connection.dueAt >= measuredFrom) latencies[completed++] = performance.now() - connection.dueAt;
    if (!head.startsWith('HTTP/1.1 2')) failed++;
    if (++answered === total) finish();
    if (/\r\nconnection:\s*close/i.test(head)) {
      connection.socket.destroy();
      open().then(release, finish);
    } else release(connection);
  };
  const open = () =>
    new Promise<Connection>((resolve, reject) => {
      const socket = connect(Number(target.port), target.hostname, () => resolve(connection));
      const connection: Connection = { socket, pending: Buffer.alloc(0), dueAt: 0 };
      socket.setNoDelay(true);
      socket.on('data', (chunk: Buffer) => onData(connection, chunk));
      socket.once('error', reject);
      connections.add(connection);
      socket.once('close', () => connections.delete(connection));
    });

  const connections = new Set<Connection>();
  let measuredFrom = Number.POSITIVE_INFINITY;
  idle.push(...(await Promise.all(Array.from({ length: options.connections }, open))));

  const start = performance.now();
  const interval = 1000 / options.rate;
  measuredFrom = start + warmUp * interval;
  // A 1 ms tick releases every request that has fallen due since the last one.
  const ticker = setInterval(() => {
    const now = performance.now();
    while (scheduled < total && start + scheduled * interval <= now) due.push(start + scheduled++ * interval);
    dispatch();
    if (scheduled === total) clearInterval(ticker);
  }, 1);
  const deadline = setTimeout(finish, (options.seconds + 10) * 1000);
  await finished;
  clearTimeout(deadline);
  clearInterval(ticker);
  for (const connection of connections) connection.socket.destroy();

  const measured = latencies.subarray(0, completed).sort();
  const at = (quantile: number) =>
    measured[Math.min(completed - 1, Math.floor(quantile * completed))] ?? Number.NaN;
  return {
    requests: completed,
    failed: failed + (total - answered),
    p50: at(0.5),
    p99: at(0.99),
    max: at(1),
  };
}
