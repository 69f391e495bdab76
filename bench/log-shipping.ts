// What shipping log lines over OTLP costs a service: the logging call with and without an
// OtlpLogShipper attached (the call only queues the line), and the CPU per line all told once the
// exports (parsing, encoding, sending) are counted too. CPU time rather than elapsed time: steadier
// on a shared machine. The receiver runs in a process of its own so its cost stays out of the
// figures. Modes alternate so drift hits all alike. Run: npm run bench:logs
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createLogger, OtlpLogShipper } from '@flotilla/kit/telemetry';
import { freePort } from '../tests/support/free-port.js';
import { TYPESCRIPT_NODE_ARGS } from '../tests/support/source-condition.js';

const LINES = Number(process.env.BENCH_LINES ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
// The shipper's default batch: in `shipped` each burst's export is done before the next burst.
const BURST = 512;

const port = await freePort();
const sink: ChildProcess = spawn(
  process.execPath,
  [...TYPESCRIPT_NODE_ARGS, join(import.meta.dirname, 'gateway/otlp-sink.ts'), String(port)],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const [ready] = (await once(sink.stdout!, 'data')) as [Buffer];
if (!ready.toString().includes('ready')) throw new Error(`the OTLP sink did not start: ${ready}`);

// stdout stands in as a stream that takes every line and writes nothing, so that only the logging
// path is measured and not the terminal.
const display = { write: () => true } as unknown as NodeJS.WritableStream;

type Mode = 'stdout only' | 'shipped' | 'shipped, queue full';
interface Measurement {
  readonly callUs: number;
  readonly cpuUs: number;
  readonly sent: number;
  readonly dropped: number;
}

async function measure(mode: Mode): Promise<Measurement> {
  const shipper =
    mode === 'stdout only'
      ? undefined
      : new OtlpLogShipper({ endpoint: `http://127.0.0.1:${port}/v1/logs`, serviceName: 'bench' });
  const logger = createLogger({ name: 'bench', destination: display, ...(shipper ? { ship: shipper } : {}) });
  let callUs = 0;
  const cpuBefore = process.cpuUsage();
  for (let n = 0; n < LINES; n += BURST) {
    const burst = process.cpuUsage();
    for (let line = n; line < Math.min(n + BURST, LINES); line++)
      logger.info({ orderId: `o-${line}`, line }, 'order placed');
    callUs += cpuMicroseconds(process.cpuUsage(burst));
    // Nothing dropped, each export's whole cost counted. Queue full: the exports get no turn until
    // every line is logged, so past the queue's bound every line is dropped and counted.
    if (mode === 'shipped') await shipper?.flush();
  }
  await shipper?.close();
  return {
    callUs: callUs / LINES,
    cpuUs: cpuMicroseconds(process.cpuUsage(cpuBefore)) / LINES,
    sent: shipper?.sent ?? 0,
    dropped: shipper?.dropped ?? 0,
  };
}

function cpuMicroseconds(usage: NodeJS.CpuUsage): number {
  return usage.user + usage.system;
}

const modes: Mode[] = ['stdout only', 'shipped', 'shipped, queue full'];
const totals = new Map<Mode, Measurement[]>(modes.map((mode) => [mode, []]));
try {
  await measure('shipped'); // warm-up (JIT, the sink's connection)
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of modes) totals.get(mode)!.push(await measure(mode));
  }
} finally {
  sink.kill('SIGTERM');
}

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
console.log(`${LINES} info lines x ${ROUNDS} rounds per mode, logged in bursts of ${BURST}`);
for (const [mode, measurements] of totals) {
  const callUs = mean(measurements.map((m) => m.callUs));
  const cpuUs = mean(measurements.map((m) => m.cpuUs));
  const last = measurements.at(-1)!;
  console.log(
    `${mode}: ${callUs.toFixed(2)} µs CPU per logging call, ${cpuUs.toFixed(2)} µs CPU per line all told` +
      (mode === 'stdout only' ? '' : ` (last round: ${last.sent} sent, ${last.dropped} dropped)`),
  );
}
