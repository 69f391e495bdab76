/**
 * Gateway benchmark: the same small JSON upstream measured (a) directly, (b) behind nginx,
 * (c) behind bare @fastify/http-proxy, (d) behind Express + http-proxy-middleware and (e) behind
 * Flotilla's gateway with rate limiting, breaker, balancing and JWT auth on (a valid token reused),
 * tracing off, and (f) the same gateway with tracing on: every request sampled, its span exported
 * over OTLP/protobuf to a sink in another process.
 * Each variant gets the same wrk run; the proxy's CPU time is read from /proc around the run.
 * Then the latency the gateway adds: (a) and (e) are driven at one constant rate, half of (e)'s
 * peak, by autocannon (wrk cannot hold a rate), and p99(e) − p99(a) is printed.
 * Nothing is pinned: the load generator, the proxy and the upstream share the machine's cores.
 *
 *   node --import tsx bench/gateway/run.ts [seconds per variant, default 6]
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { SignJWT } from 'jose';

const SECONDS = Number(process.argv[2] ?? 6);
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
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
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

async function waitFor(url: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`${url} never answered`);
}

/** CPU seconds (user + system) of a process and its children, from /proc. */
function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / 100;
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

async function measure(name: string, url: string, pids: number[], headers: string[] = []): Promise<Result> {
  await waitFor(url);
  wrk(url, headers, 1); // warm-up (JIT, connection pools)
  const before = cpuSeconds(pids);
  const run = wrk(url, headers, SECONDS);
  const cpu = cpuSeconds(pids) - before;
  const requests = run.rps * SECONDS;
  const result = { name, ...run, cpuUsPerRequest: pids.length > 0 ? (cpu / requests) * 1e6 : undefined };
  process.stdout.write(
    `${name.padEnd(34)} ${run.rps.toFixed(0).padStart(7)} req/s  p50 ${run.p50.padStart(8)}  p99 ${run.p99.padStart(8)}` +
      `${result.cpuUsPerRequest === undefined ? '' : `  proxy CPU ${result.cpuUsPerRequest.toFixed(0)} µs/req`}\n`,
  );
  return result;
}

interface Paced {
  readonly rate: number;
  readonly p50: number;
  readonly p99: number;
}

/** Latency at a constant `rate` (req/s across all connections), in milliseconds. */
async function paced(url: string, headers: Record<string, string>, rate: number): Promise<Paced> {
  const options = { url, headers, connections: CONNECTIONS, overallRate: rate };
  await autocannon({ ...options, duration: 1 }); // warm-up at the same rate
  const result = await autocannon({ ...options, duration: SECONDS });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${url}: ${result.non2xx} failed responses, ${result.errors} errors at ${rate} req/s`);
  }
  return { rate: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
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
  const results: Record<string, Result> = {};
  results.a = await measure('(a) upstream directly', `${upstreamUrl}/users/42`, []);

  if (has('nginx')) {
    writeFileSync(join(work, 'nginx.conf'), nginxConfig());
    const nginx = spawn('nginx', ['-c', join(work, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'inherit' });
    children.push(nginx);
    await waitFor(`http://127.0.0.1:${ports.nginx}/api/users/42`);
    const pids = [nginx.pid!, ...childPids(nginx.pid!)];
    results.b = await measure(
      '(b) nginx (1 worker, keep-alive)',
      `http://127.0.0.1:${ports.nginx}/api/users/42`,
      pids,
    );
  } else {
    process.stdout.write('(b) nginx: skipped, nginx is not installed (apt-get install -y nginx)\n');
  }

  const fastify = await tsx(join(here, 'fastify-proxy.ts'), [String(ports.fastify), upstreamUrl]);
  results.c = await measure('(c) @fastify/http-proxy', `http://127.0.0.1:${ports.fastify}/api/users/42`, [
    fastify.pid!,
  ]);
  fastify.kill();

  const express = await tsx(join(here, 'express-proxy.ts'), [String(ports.express), upstreamUrl]);
  results.d = await measure(
    '(d) Express + http-proxy-middleware',
    `http://127.0.0.1:${ports.express}/api/users/42`,
    [express.pid!],
  );
  express.kill();

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
  const gateway = await tsx(join(root, 'gateway/src/main.ts'), [], {
    ...gatewayEnv,
    PORT: String(ports.gateway),
    OTEL_SDK_DISABLED: 'true',
  }).catch(async () => {
    throw new Error('the gateway did not start');
  });
  results.e = await measure(
    '(e) Flotilla gateway, all features',
    `http://127.0.0.1:${ports.gateway}/api/users/42`,
    [gateway.pid!],
    [`authorization: Bearer ${token}`],
  );
  const rate = Math.round(results.e!.rps / 2);
  const pacedA = await paced(`${upstreamUrl}/users/42`, {}, rate);
  const pacedE = await paced(
    `http://127.0.0.1:${ports.gateway}/api/users/42`,
    { authorization: `Bearer ${token}` },
    rate,
  );
  for (const [name, run] of [
    ['(a) upstream directly', pacedA],
    ['(e) Flotilla gateway, all features', pacedE],
  ] as const) {
    process.stdout.write(
      `${name.padEnd(34)} at ${rate} req/s (held ${run.rate.toFixed(0)})  p50 ${run.p50.toFixed(2)}ms  p99 ${run.p99.toFixed(2)}ms\n`,
    );
  }
  gateway.kill();

  await tsx(join(here, 'otlp-sink.ts'), [String(ports.sink)]);
  const traced = await tsx(join(root, 'gateway/src/main.ts'), [], {
    ...gatewayEnv,
    PORT: String(ports.traced),
    OTEL_TRACES_SAMPLER: 'always_on',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${ports.sink}`,
    OTEL_BSP_SCHEDULE_DELAY: '1000',
  }).catch(async () => {
    throw new Error('the traced gateway did not start');
  });
  results.f = await measure(
    '(f) the same, tracing on (100%)',
    `http://127.0.0.1:${ports.traced}/api/users/42`,
    [traced.pid!],
    [`authorization: Bearer ${token}`],
  );

  const e = results.e!;
  const f = results.f!;
  const ratio = (other: Result | undefined, target: number) =>
    other === undefined ? 'n/a (skipped)' : `${(e.rps / other.rps).toFixed(2)} (target ≥ ${target})`;
  process.stdout.write(
    `\ne/b = ${ratio(results.b, 0.3)}\ne/c = ${ratio(results.c, 1.2)}\ne/d = ${ratio(results.d, 3)}\n` +
      `gateway CPU = ${e.cpuUsPerRequest!.toFixed(0)} µs/request (target ≤ 80)\n` +
      `added p99 at ${rate} req/s (50% of e's peak) = ${(pacedE.p99 - pacedA.p99).toFixed(2)} ms (target ≤ 2)\n` +
      `tracing on/off: f/e = ${(f.rps / e.rps).toFixed(2)} throughput, ` +
      `+${(f.cpuUsPerRequest! - e.cpuUsPerRequest!).toFixed(0)} µs CPU/request\n` +
      `wrk: 1 thread, ${CONNECTIONS} connections, ${SECONDS} s per variant after a 1 s warm-up; ` +
      `constant rate: autocannon (in this process), ${CONNECTIONS} connections, ${SECONDS} s; ` +
      'load generator, proxy and upstream unpinned on the same cores.\n',
  );
}

try {
  await main();
} finally {
  for (const child of children) child.kill();
}
