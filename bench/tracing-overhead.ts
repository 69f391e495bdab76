// Throughput of the users service with tracing off and on (100% sampled, exporting over OTLP to the
// control plane's receiver), measured in one run and printed as a ratio. Modes alternate so drift
// on a shared machine hits both alike. Run: npm run bench:tracing
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerTraceRoutes, TraceStore } from '@flotilla/control-plane/traces';
import { createHttpServer } from '@flotilla/kit/http';
import { createLogger } from '@flotilla/kit/telemetry';
import autocannon from 'autocannon';
import { spawnEntry } from '../tests/support/spawn-service.js';
import { until } from '../tests/support/until.js';
import { procStat } from './proc-stat.js';

const DURATION_S = Number(process.env.BENCH_DURATION ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);

const store = new TraceStore({ maxTraces: 1000 });
const receiver = await createHttpServer({
  name: 'control-plane',
  version: '0.0.0',
  logger: createLogger({ name: 'control-plane', level: 'warn' }),
});
await registerTraceRoutes(receiver, store);
const receiverUrl = await receiver.listen({ host: '127.0.0.1', port: 0 });

type Mode = 'off' | 'on';
const environments: Record<Mode, Record<string, string>> = {
  off: { OTEL_SDK_DISABLED: 'true' },
  on: {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_TRACES_SAMPLER: 'always_on',
  },
};

interface Measurement {
  readonly rate: number;
  /** CPU time the service process spent per request: steadier than throughput on a shared machine. */
  readonly cpuMsPerRequest: number;
}

async function measure(mode: Mode): Promise<Measurement> {
  const dataDir = await mkdtemp(join(tmpdir(), 'flotilla-bench-'));
  // warn: the access log costs the same in both modes and would only blur the difference.
  const port = await freePort();
  const service = spawnEntry('services/users/src/main.ts', {
    DATA_DIR: dataDir,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    ...environments[mode],
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await ready(url);
    const created = await fetch(`${url}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Bench', email: `bench-${mode}@example.com` }),
    });
    const { id } = (await created.json()) as { id: string };
    const target = `${url}/users/${id}`;
    await autocannon({ url: target, connections: CONNECTIONS, duration: 2 }); // warm-up (JIT, pool)
    const cpuBefore = procStat(service.child.pid!).cpuSeconds;
    const result = await autocannon({ url: target, connections: CONNECTIONS, duration: DURATION_S });
    const cpuAfter = procStat(service.child.pid!).cpuSeconds;
    if (result.non2xx > 0 || result.errors > 0)
      throw new Error(`${mode}: ${result.non2xx} non-2xx, ${result.errors} errors`);
    return {
      rate: result.requests.average,
      cpuMsPerRequest: ((cpuAfter - cpuBefore) * 1000) / result.requests.total,
    };
  } finally {
    service.child.kill('SIGTERM');
    await service.exited;
    await rm(dataDir, { recursive: true, force: true });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

async function ready(url: string): Promise<void> {
  await until(`${url} ready`, async () => (await fetch(`${url}/health/ready`)).ok, 60_000);
}

const totals: Record<Mode, Measurement[]> = { off: [], on: [] };
for (let round = 0; round < ROUNDS; round += 1) {
  for (const mode of ['off', 'on'] as const) {
    const measurement = await measure(mode);
    totals[mode].push(measurement);
    console.log(
      `round ${round + 1} tracing ${mode}: ${measurement.rate.toFixed(0)} req/s, ${measurement.cpuMsPerRequest.toFixed(3)} CPU ms/request`,
    );
  }
}
await receiver.close();

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
const off = mean(totals.off.map((m) => m.rate));
const on = mean(totals.on.map((m) => m.rate));
const cpuOff = mean(totals.off.map((m) => m.cpuMsPerRequest));
const cpuOn = mean(totals.on.map((m) => m.cpuMsPerRequest));
console.log(`users GET /users/:id, ${CONNECTIONS} connections, ${DURATION_S}s x ${ROUNDS} rounds per mode`);
console.log(`tracing off: ${off.toFixed(0)} req/s; on (100% sampled, OTLP protobuf): ${on.toFixed(0)} req/s`);
console.log(
  `throughput ratio on/off: ${(on / off).toFixed(3)} (overhead ${((1 - on / off) * 100).toFixed(1)}%)`,
);
console.log(
  `CPU per request: off ${cpuOff.toFixed(3)} ms, on ${cpuOn.toFixed(3)} ms; ratio on/off ${(cpuOn / cpuOff).toFixed(3)}`,
);
console.log(`traces received by the receiver: ${store.size.traces} kept, ${store.size.spans} spans kept`);
