/**
 * Gateway benchmark: the same small JSON upstream measured (a) directly, (b) behind nginx,
 * (c) behind bare @fastify/http-proxy, (d) behind Express + http-proxy-middleware and (e) behind
 * Flotilla's gateway with rate limiting, breaker, balancing and JWT auth on (a valid token reused),
 * tracing off, (f) the same gateway with tracing on: every request sampled, its span exported
 * over OTLP/protobuf to a sink in another process, and (g) with tracing as shipped (the budget
 * sampler: a few traces a second exported, the other spans recorded and dropped).
 * Each variant gets the same wrk run, in ROUNDS interleaved rounds (default 5); the proxy's CPU
 * time is read from /proc around each run, and the medians are printed.
 * Then the latency the gateway adds: with the other proxies stopped, (a), (b) and (e) are driven at
 * one constant rate, half of (e)'s peak, by an open-loop generator (./constant-rate.ts), again in
 * rounds, and the median p99(e) − p99(a) is printed beside nginx's.
 * Nothing is pinned: the load generator, the proxy and the upstream share the machine's cores.
 *
 *   npm run bench:gateway -- [seconds per variant, default 6]   (ROUNDS=5)
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { TYPESCRIPT_NODE_ARGS } from '../../tests/support/source-condition.js';
import { until } from '../../tests/support/until.js';
import { procStat } from '../proc-stat.js';
import { constantRate } from './constant-rate.js';

const SECONDS = Number(process.argv[2] ?? 6);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const CONNECTIONS = 64;
const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'flotilla-bench-'));
const ports = {
  upstream: 19100,
  nginx: 19101,
  fastify: 19102,
  express: 19103,
  gateway: 19104,
  traced: 19105,
  sink: 19106,
  budgeted: 19107,
};
const children: ChildProcess[] = [];

interface Result {
  readonly name: string;
  readonly rps: number;
  readonly p50: string;
  readonly p99: string;
  readonly cpuUsPerRequest: number | undefined;
}

function has(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
}

function tsx(script: string, args: string[], env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...TYPESCRIPT_NODE_ARGS, script, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      if (/ready|listening/.test(chunk.toString())) resolve(child);
    });
  });
}

/** Resolves once `url` answers at all (any status). */
async function answering(url: string): Promise<void> {
  await until(
    `${url} answering`,
    async () => {
      await fetch(url);
      return true;
    },
    10_000,
  );
}

/** CPU seconds (user + system) of the processes, from /proc. */
function cpuSeconds(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + procStat(pid).cpuSeconds, 0);
}

function wrk(url: string, headers: string[], seconds: number): { rps: number; p50: string; p99: string } {
  const args = [
    '-t1',
    `-c${CONNECTIONS}`,
    `-d${seconds}s`,
    '--latency',
    ...headers.flatMap((h) => ['-H', h]),
    url,
  ];
  const out = execFileSync('wrk', args, { encoding: 'utf8' });
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  if (non2xx) throw new Error(`${url}: ${non2xx[1]} failed responses\n${out}`);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)![1]),
    p50: /^\s+50%\s+(\S+)/m.exec(out)![1]!,
    p99: /^\s+99%\s+(\S+)/m.exec(out)![1]!,
  };
}

interface Variant {
  readonly name: string;
  readonly url: string;
  /** Processes whose CPU time is the proxy's; none for the upstream alone. */
  readonly pids: number[];
  readonly headers: string[];
}

/** One wrk run of a variant after a 1 s warm-up (JIT, connection pools), with the proxy's CPU. */
function runOnce(variant: Variant): Result {
  wrk(variant.url, variant.headers, 1);
  const before = cpuSeconds(variant.pids);
  const run = wrk(variant.url, variant.headers, SECONDS);
  const cpu = cpuSeconds(variant.pids) - before;
  const cpuUsPerRequest = variant.pids.length > 0 ? (cpu / (run.rps * SECONDS)) * 1e6 : undefined;
  return { name: variant.name, ...run, cpuUsPerRequest };
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** The round whose req/s is the median, with the median CPU per request of all rounds. */
function medianResult(runs: Result[]): Result {
  const middle = [...runs].sort((x, y) => x.rps - y.rps)[Math.floor(runs.length / 2)]!;
  const cpu = runs.map((run) => run.cpuUsPerRequest).filter((value) => value !== undefined);
  return { ...middle, cpuUsPerRequest: cpu.length > 0 ? median(cpu) : undefined };
}

function print(result: Result): void {
  process.stdout.write(
    `${result.name.padEnd(34)} ${result.rps.toFixed(0).padStart(7)} req/s  p50 ${result.p50.padStart(8)}  p99 ${result.p99.padStart(8)}` +
      `${result.cpuUsPerRequest === undefined ? '' : `  proxy CPU ${result.cpuUsPerRequest.toFixed(0)} µs/req`}\n`,
  );
}

/** p99 latency at a constant `rate` (req/s across all connections), in milliseconds. */
async function pacedP99({ url, headers: fields }: Variant, rate: number): Promise<number> {
  const headers = Object.fromEntries(fields.map((field) => field.split(': ', 2) as [string, string]));
  const result = await constantRate({
    url,
    headers,
    connections: CONNECTIONS,
    rate,
    warmUpSeconds: 1,
    seconds: SECONDS,
  });
  if (result.failed > 0) throw new Error(`${url}: ${result.failed} failed requests at ${rate} req/s`);
  return result.p99;
}

function nginxConfig(): string {
  return `worker_processes 1;
pid ${work}/nginx.pid;
error_log ${work}/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${work}; proxy_temp_path ${work}; fastcgi_temp_path ${work};
  uwsgi_temp_path ${work}; scgi_temp_path ${work};
  upstream users { server 127.0.0.1:${ports.upstream}; keepalive 64; }
  server {
    listen 127.0.0.1:${ports.nginx};
    location /api/users/ {
      proxy_pass http://users/users/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
}

function childPids(pid: number): number[] {
  const out = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).stdout.trim();
  return out === '' ? [] : out.split('\n').map(Number);
}

async function main(): Promise<void> {
  if (!has('wrk')) throw new Error('wrk is not installed (apt-get install -y wrk)');
  const upstreamUrl = `http://127.0.0.1:${ports.upstream}`;
  await tsx(join(here, 'upstream.ts'), [String(ports.upstream)]);
  const variants: Record<string, Variant> = {
    a: { name: '(a) upstream directly', url: `${upstreamUrl}/users/42`, pids: [], headers: [] },
  };

  if (has('nginx')) {
    writeFileSync(join(work, 'nginx.conf'), nginxConfig());
    const nginx = spawn('nginx', ['-c', join(work, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'inherit' });
    children.push(nginx);
    const url = `http://127.0.0.1:${ports.nginx}/api/users/42`;
    await answering(url);
    variants.b = {
      name: '(b) nginx (1 worker, keep-alive)',
      url,
      pids: [nginx.pid!, ...childPids(nginx.pid!)],
      headers: [],
    };
  } else {
    process.stdout.write('(b) nginx: skipped, nginx is not installed (apt-get install -y nginx)\n');
  }

  const fastify = await tsx(join(here, 'fastify-proxy.ts'), [String(ports.fastify), upstreamUrl]);
  variants.c = {
    name: '(c) @fastify/http-proxy',
    url: `http://127.0.0.1:${ports.fastify}/api/users/42`,
    pids: [fastify.pid!],
    headers: [],
  };
  const express = await tsx(join(here, 'express-proxy.ts'), [String(ports.express), upstreamUrl]);
  variants.d = {
    name: '(d) Express + http-proxy-middleware',
    url: `http://127.0.0.1:${ports.express}/api/users/42`,
    pids: [express.pid!],
    headers: [],
  };

  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const token = await new SignJWT({ scope: 'users:read' })
    .setProtectedHeader({ alg: 'RS256' })
    .setSubject('bench-user')
    .setIssuer('https://id.bench')
    .setAudience('flotilla')
    .setExpirationTime('1h')
    .sign(privateKey);
  const routesFile = join(work, 'routes.json');
  writeFileSync(
    routesFile,
    JSON.stringify({
      routes: [
        {
          prefix: '/api/users',
          service: 'users',
          auth: 'protected',
          // On, keyed by the token's subject, high enough that the bench is never refused.
          rateLimit: { limit: 1_000_000_000, window: '1m', key: 'subject' },
        },
      ],
    }),
  );
  const gatewayEnv = {
    LOG_LEVEL: 'info',
    ROUTES_FILE: routesFile,
    UPSTREAMS: `users=${upstreamUrl}`,
    JWT_KEY: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    JWT_ALGORITHMS: 'RS256',
    JWT_ISSUER: 'https://id.bench',
    JWT_AUDIENCE: 'flotilla',
    // The benchmark measures throughput: on a loaded machine a GC pause (more of them with tracing
    // on) can pass the default 200 ms lag and shed requests, which wrk would count as failures.
    SHED_EVENT_LOOP_LAG: '2s',
  };
  const authorization = `authorization: Bearer ${token}`;
  const gateway = await tsx(join(root, 'packages/gateway/src/main.ts'), [], {
    ...gatewayEnv,
    PORT: String(ports.gateway),
    OTEL_SDK_DISABLED: 'true',
  }).catch(async () => {
    throw new Error('the gateway did not start');
  });
  variants.e = {
    name: '(e) Flotilla gateway, all features',
    url: `http://127.0.0.1:${ports.gateway}/api/users/42`,
    pids: [gateway.pid!],
    headers: [authorization],
  };
  const sink = await tsx(join(here, 'otlp-sink.ts'), [String(ports.sink)]);
  const traced = await tsx(join(root, 'packages/gateway/src/main.ts'), [], {
    ...gatewayEnv,
    PORT: String(ports.traced),
    OTEL_TRACES_SAMPLER: 'always_on',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${ports.sink}`,
    OTEL_BSP_SCHEDULE_DELAY: '1000',
  }).catch(async () => {
    throw new Error('the traced gateway did not start');
  });
  variants.f = {
    name: '(f) the same, tracing on (100%)',
    url: `http://127.0.0.1:${ports.traced}/api/users/42`,
    pids: [traced.pid!],
    headers: [authorization],
  };
  // As shipped: the budget sampler (ADR 0006), a few traces a second exported, the rest recorded.
  const budgeted = await tsx(join(root, 'packages/gateway/src/main.ts'), [], {
    ...gatewayEnv,
    PORT: String(ports.budgeted),
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${ports.sink}`,
    OTEL_BSP_SCHEDULE_DELAY: '1000',
  }).catch(async () => {
    throw new Error('the gateway with its trace budget did not start');
  });
  variants.g = {
    name: '(g) the same, tracing as shipped',
    url: `http://127.0.0.1:${ports.budgeted}/api/users/42`,
    pids: [budgeted.pid!],
    headers: [authorization],
  };
  for (const variant of Object.values(variants)) await answering(variant.url);

  // Rounds interleave the variants, so a change in the machine's other load falls on all of them.
  const runs: Record<string, Result[]> = Object.fromEntries(Object.keys(variants).map((key) => [key, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    process.stdout.write(`round ${round} of ${ROUNDS}:`);
    for (const [key, variant] of Object.entries(variants)) {
      const result = runOnce(variant);
      runs[key]!.push(result);
      process.stdout.write(` ${key} ${result.rps.toFixed(0)}`);
    }
    process.stdout.write(' req/s\n');
  }
  const results: Record<string, Result> = {};
  for (const [key, list] of Object.entries(runs)) {
    results[key] = medianResult(list);
    print(results[key]);
  }

  // The latency runs measure (a), (b) and (e) alone: an idle Node process still runs its timers
  // and, after a load, collections that shrink its heap, on the cores the measured ones share.
  const unmeasured = [fastify, express, traced, budgeted, sink];
  for (const child of unmeasured) child.kill();
  await Promise.all(unmeasured.map((child) => new Promise((resolve) => child.once('exit', resolve))));

  const e = results.e!;
  const rate = Math.round(e.rps / 2);
  // nginx at the same rate: what any proxy process on the path adds on these shared cores.
  const pacedKeys = ['a', 'b', 'e'].filter((key) => variants[key]);
  const paced99: Record<string, number[]> = Object.fromEntries(pacedKeys.map((key) => [key, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const key of pacedKeys) {
      paced99[key]!.push(await pacedP99(variants[key]!, rate));
    }
  }
  for (const key of pacedKeys) {
    process.stdout.write(
      `${variants[key]!.name.padEnd(34)} at ${rate} req/s  p99 ${paced99[key]!.map((p99) => p99.toFixed(2)).join(', ')} ms, ` +
        `median ${median(paced99[key]!).toFixed(2)} ms\n`,
    );
  }
  const addedP99 = (key: string) => median(paced99[key]!) - median(paced99.a!);

  const f = results.f!;
  const g = results.g!;
  const ratio = (other: Result | undefined, target: number) =>
    other === undefined ? 'n/a (skipped)' : `${(e.rps / other.rps).toFixed(2)} (target ≥ ${target})`;
  process.stdout.write(
    `\ne/b = ${ratio(results.b, 0.3)}\ne/c = ${ratio(results.c, 1.2)}\ne/d = ${ratio(results.d, 3)}\n` +
      `gateway CPU = ${e.cpuUsPerRequest!.toFixed(0)} µs/request (target ≤ 80)\n` +
      `added p99 at ${rate} req/s (50% of e's peak) = ${addedP99('e').toFixed(2)} ms (target ≤ 2)` +
      `${paced99.b ? `; nginx adds ${addedP99('b').toFixed(2)} ms at that rate` : ''}\n` +
      `tracing on/off: f/e = ${(f.rps / e.rps).toFixed(2)} throughput, ` +
      `+${(f.cpuUsPerRequest! - e.cpuUsPerRequest!).toFixed(0)} µs CPU/request; as shipped: g/e = ` +
      `${(g.rps / e.rps).toFixed(2)} (target ≥ 0.85), +${(g.cpuUsPerRequest! - e.cpuUsPerRequest!).toFixed(0)} µs CPU/request\n` +
      `medians of ${ROUNDS} interleaved rounds; wrk: 1 thread, ${CONNECTIONS} connections, ${SECONDS} s per variant ` +
      `after a 1 s warm-up; constant rate: open loop, in this process, latency from each request's due time, ${CONNECTIONS} connections, 1 s warm-up on them, ` +
      `${SECONDS} s; load generator, proxy and upstream unpinned on the same cores.\n`,
  );
}

try {
  await main();
} finally {
  for (const child of children) child.kill();
}
