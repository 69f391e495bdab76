/**
 * The whole reference system under realistic load, with its own observability on and off: each
 * variant is started the way a user does (`flotilla start`, ./start-system.ts), then
 *   - its knee: `flotilla load --find-knee` (findKnee), many clients, from START_RATE up by FACTOR
 *     per STEP_S-second step until p99 > P99_MS, errors (429s aside) > 0.1% or < 95% of the rate;
 *   - at fixed rates (RATES, plus the as-shipped knee): p50/p99, 429s, errors, and CPU seconds per
 *     1,000 requests of every process (/proc/<pid>/stat; pids from the supervisor's control
 *     endpoint) and of this process, the load generator.
 * Variants, one after another: as shipped (tracing on with its budget, info logs), every trace
 * sampled, tracing off, logs off (warn).
 * The gateway's rate limit stays at its default; the simulated clients keep under it, so 429s are
 * reported but rare.
 *
 *   npm run bench:system
 *   SYSTEM_ENGINES=embedded,postgres   also (or, with `postgres` alone, only) on PostgreSQL + RabbitMQ
 *                                      (DATABASE_URL, AMQP_URL; a database per service and a vhost,
 *                                      dropped afterwards)
 *   PROFILE=<dir>                      every process writes a CPU profile to <dir>/<variant>/
 *   SYSTEM_VARIANTS='as shipped,tracing off'   only these variants
 *   STEP_S=10 FIXED_S=10 WARMUP_S=5 START_RATE=50 FACTOR=1.25 MAX_RATE=2000 P99_MS=50 RATES=150,250,600
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kneeReport, stepReport } from '../../packages/cli/src/commands/load-report.js';
import { formatTable } from '../../packages/cli/src/format-table.js';
import { findKnee } from '../../packages/cli/src/load/find-knee.js';
import { errorCount, type LoadSummary, runLoad } from '../../packages/cli/src/load/run-load.js';
import { until } from '../../tests/support/until.js';
import { onEngines } from './on-engines.js';
import { type RunningSystem, root, startSystem } from './start-system.js';

const knob = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const STEP_S = knob('STEP_S', 10);
const FIXED_S = knob('FIXED_S', 10);
const WARMUP_S = knob('WARMUP_S', 5);
const START_RATE = knob('START_RATE', 50);
const FACTOR = knob('FACTOR', 1.25);
const MAX_RATE = knob('MAX_RATE', 2000);
const P99_MS = knob('P99_MS', 50);
const RATES = (process.env.RATES ?? '150,250,600').split(',').map(Number);
const ENGINES = (process.env.SYSTEM_ENGINES ?? 'embedded').split(',');
const PROFILE = process.env.PROFILE;
const POSTGRES_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

const ALL_VARIANTS = [
  { name: 'as shipped', environment: {} },
  // What shipped before the trace budget (ADR 0006): every request sampled and exported.
  { name: 'every trace', environment: { OTEL_TRACES_SAMPLER: 'parentbased_always_on' } },
  { name: 'tracing off', environment: { OTEL_SDK_DISABLED: 'true' } },
  { name: 'logs off', environment: { LOG_LEVEL: 'warn' } },
] as const;
const VARIANTS = process.env.SYSTEM_VARIANTS
  ? ALL_VARIANTS.filter((variant) => process.env.SYSTEM_VARIANTS!.split(',').includes(variant.name))
  : ALL_VARIANTS;

interface AtRate {
  readonly rate: number;
  readonly summary: LoadSummary;
  /** CPU seconds per 1,000 answers, by process; undefined when it restarted during the run. */
  readonly cpu: ReadonlyMap<string, number | undefined>;
}

interface VariantResult {
  readonly engines: string;
  readonly variant: string;
  readonly knee: number | undefined;
  readonly broke: string | undefined;
  readonly atRates: readonly AtRate[];
}

async function gatewayReady(gateway: string): Promise<void> {
  await until(`${gateway} ready`, async () => (await fetch(`${gateway}/health/ready`)).ok, 60_000);
}

async function atRate(system: RunningSystem, rate: number): Promise<AtRate> {
  await gatewayReady(system.gateway);
  const before = await system.cpu();
  const ownBefore = process.cpuUsage();
  const summary = await runLoad({ gateway: system.gateway, rate, durationS: FIXED_S });
  const own = process.cpuUsage(ownBefore);
  const after = await system.cpu();
  const perThousand = (seconds: number) => (seconds * 1000) / Math.max(1, summary.completed);
  const cpu = new Map<string, number | undefined>();
  for (const [name, { pid, seconds }] of after) {
    const earlier = before.get(name);
    cpu.set(name, earlier?.pid === pid ? perThousand(seconds - earlier.seconds) : undefined);
  }
  cpu.set('load generator', perThousand((own.user + own.system) / 1e6));
  return { rate, summary, cpu };
}

/** Stops the system being measured, if any: on Ctrl-C the bench leaves nothing running. */
let stopCurrent: (() => Promise<void>) | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void (stopCurrent?.() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

async function measureVariant(
  engines: string,
  variant: (typeof ALL_VARIANTS)[number],
  shippedKnee: number | undefined,
): Promise<VariantResult> {
  const scratch = mkdtempSync(join(tmpdir(), 'flotilla-bench-config-'));
  const onPostgres = engines === 'postgres' ? await onEngines(POSTGRES_URL, AMQP_URL, scratch) : undefined;
  const profileDir = PROFILE ? join(PROFILE, `${engines}-${variant.name.replaceAll(' ', '-')}`) : undefined;
  console.log(`\n== ${variant.name}, ${engines} ==`);
  const system = await startSystem({
    config: onPostgres?.config ?? join(root, 'flotilla.config'),
    environment: variant.environment,
    profileDir,
  }).catch(async (error) => {
    await onPostgres?.drop();
    throw error;
  });
  stopCurrent = async () => {
    await system.stop();
    await onPostgres?.drop();
  };
  try {
    // JIT, connection pools and the first rows before anything is measured.
    await runLoad({ gateway: system.gateway, rate: START_RATE, durationS: WARMUP_S });
    const result = await findKnee({
      gateway: system.gateway,
      startRate: START_RATE,
      durationS: STEP_S,
      factor: FACTOR,
      maxRate: MAX_RATE,
      p99Ms: P99_MS,
      onStep: (step) => console.log(stepReport(step)),
    });
    console.log(kneeReport(result));
    const knee = shippedKnee ?? result.knee;
    const rates = [...new Set([...RATES, ...(knee ? [knee] : [])])].sort((a, b) => a - b);
    const atRates: AtRate[] = [];
    for (const rate of rates) {
      const figures = await atRate(system, rate);
      atRates.push(figures);
      console.log(
        `fixed ${rate} req/s: p99 ${figures.summary.latencyMs.p99.toFixed(1)} ms, ${figures.summary.rateLimited} 429, errors ${JSON.stringify(figures.summary.errors)}`,
      );
    }
    return { engines, variant: variant.name, knee: result.knee, broke: result.broken?.broke, atRates };
  } finally {
    stopCurrent = undefined;
    await system.stop();
    await onPostgres?.drop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

const results: VariantResult[] = [];
for (const engines of ENGINES) {
  let shippedKnee: number | undefined;
  for (const variant of VARIANTS) {
    const result = await measureVariant(engines, variant, shippedKnee);
    shippedKnee ??= result.knee;
    results.push(result);
  }
}

const ms = (value: number) => value.toFixed(1);
console.log(
  `\nknees (p99 ≤ ${P99_MS} ms, errors ≤ 0.1%, ≥ 95% of the rate; ${STEP_S} s steps ×${FACTOR} from ${START_RATE} req/s)`,
);
console.log(
  formatTable(
    ['engines', 'variant', 'knee req/s', 'broke at the next step'],
    results.map((r) => [r.engines, r.variant, String(r.knee ?? '—'), r.broke ?? '—']),
  ),
);
console.log(`\nat fixed rates (${FIXED_S} s each; latency over all answers, 429s included)`);
console.log(
  formatTable(
    ['engines', 'variant', 'req/s', 'achieved', 'p50 ms', 'p99 ms', '429', 'errors'],
    results.flatMap((r) =>
      r.atRates.map(({ rate, summary }) => [
        r.engines,
        r.variant,
        String(rate),
        summary.achievedRate.toFixed(1),
        ms(summary.latencyMs.p50),
        ms(summary.latencyMs.p99),
        String(summary.rateLimited),
        String(errorCount(summary)),
      ]),
    ),
  ),
);
const processes = [...new Set(results.flatMap((r) => r.atRates.flatMap((at) => [...at.cpu.keys()])))];
const total = (at: AtRate) =>
  [...at.cpu].reduce((sum, [name, seconds]) => (name === 'load generator' ? sum : sum + (seconds ?? 0)), 0);
console.log('\nCPU seconds per 1,000 requests, by process (— : restarted during the run)');
console.log(
  formatTable(
    ['engines', 'variant', 'req/s', ...processes, 'system'],
    results.flatMap((r) =>
      r.atRates.map((at) => [
        r.engines,
        r.variant,
        String(at.rate),
        ...processes.map((name) => {
          const seconds = at.cpu.get(name);
          return seconds === undefined ? '—' : seconds.toFixed(3);
        }),
        total(at).toFixed(3),
      ]),
    ),
  ),
);

console.log('\nratios');
for (const engines of ENGINES) {
  const of = (variant: string) => results.find((r) => r.engines === engines && r.variant === variant);
  const shipped = of('as shipped');
  const ratio = (a: number | undefined, b: number | undefined) =>
    a !== undefined && b !== undefined && b > 0 ? (a / b).toFixed(3) : '—';
  // CPU compared at the one rate every variant ran: the as-shipped knee (else the highest fixed rate).
  const cpuAt = (variant: string) => {
    const atRates = of(variant)?.atRates ?? [];
    const at = atRates.find((a) => a.rate === shipped?.knee) ?? atRates.at(-1);
    return at && total(at);
  };
  for (const off of ['tracing off', 'logs off']) {
    const what = off.split(' ')[0];
    console.log(
      `${engines}: knee ${what} on/off ${ratio(shipped?.knee, of(off)?.knee)}, CPU per request ${what} on/off ${ratio(cpuAt('as shipped'), cpuAt(off))}`,
    );
  }
}
