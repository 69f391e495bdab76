import { UsageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { writeLine } from '../io.js';
import { DEFAULT_KNEE_LIMITS, findKnee } from '../load/find-knee.js';
import { loopbackOrigin } from '../load/load-clients.js';
import { progressBar } from '../load/progress-bar.js';
import { runLoad } from '../load/run-load.js';
import { parseCommandArgs, positiveNumber } from '../parse-command-args.js';
import { kneeReport, stepReport, summaryReport } from './load-report.js';

const help = `usage: flotilla load --rate <req/s> --duration <s> [--clients <n>] [--gateway <url>] [--json]
       flotilla load --find-knee --rate <first req/s> [--duration <s per step>] [--p99 <ms>]
                     [--factor <x> | --step <req/s>] [--max-rate <req/s>] [--clients <n>] [--gateway <url>] [--json]

Drives realistic traffic through the gateway — creates users, places orders for them, reads both
back — at a fixed arrival rate (open model: requests go out on schedule whether or not earlier ones
have answered), then prints req/s achieved, p50/p95/p99 latency over all answers, 429s (the
gateway's rate limit) and errors by status.

Each request is sent by one of --clients simulated clients picked at random. By default there is
one client per req/s of --rate, so each sends about one request a second, a person's pace. On a
loopback gateway each client connects from its own address (127.1.x.y), as the gateway's
per-client rate limit tells clients apart; every client also sends x-api-key: load-client-<k>.

--find-knee steps the rate up from --rate (times --factor, or plus --step) for --duration seconds
each, waiting for the gateway's /health/ready between steps, until p99 exceeds --p99, errors (429s
aside) exceed 0.1% or less than 95% of the rate is achieved; the knee is the last rate that held.

options:
  --rate <n>         requests per second (required); the first step with --find-knee
  --duration <s>     seconds to run (required); seconds per step with --find-knee (default 10)
  --clients <n>      simulated clients (default: one per req/s of the rate)
  --gateway <url>    default http://127.0.0.1:8080
  --find-knee        step the rate up until it no longer holds
  --p99 <ms>         with --find-knee: the p99 that breaks a step (default ${DEFAULT_KNEE_LIMITS.p99Ms})
  --factor <x>       with --find-knee: each step's rate is the last one's times this (default 1.25)
  --step <n>         with --find-knee: add this many req/s per step instead
  --max-rate <n>     with --find-knee: no step above this rate
  --json             print the summary (the steps and the knee) as JSON
  -h, --help         this help`;

const KNEE_ONLY = ['p99', 'factor', 'step', 'max-rate'] as const;

export const loadCommand: Command = {
  name: 'load',
  summary: 'drive realistic traffic through the gateway and summarise latency',
  help,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs('load', args, {
      rate: { type: 'string' },
      duration: { type: 'string' },
      clients: { type: 'string' },
      gateway: { type: 'string' },
      'find-knee': { type: 'boolean' },
      p99: { type: 'string' },
      factor: { type: 'string' },
      step: { type: 'string' },
      'max-rate': { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.help) {
      writeLine(io.stdout, help);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`load: unexpected argument "${positionals[0]}"`);
    const kneeSearch = values['find-knee'] === true;
    if (values.rate === undefined) throw new UsageError('load: --rate is required');
    if (values.duration === undefined && !kneeSearch) throw new UsageError('load: --duration is required');
    const misplaced = KNEE_ONLY.find((flag) => values[flag] !== undefined);
    if (misplaced && !kneeSearch) throw new UsageError(`load: --${misplaced} needs --find-knee`);
    if (values.factor !== undefined && values.step !== undefined) {
      throw new UsageError('load: give --factor or --step, not both');
    }
    const rate = positiveNumber('rate', values.rate, 0);
    const durationS = positiveNumber('duration', values.duration, 10);
    const clients = values.clients === undefined ? undefined : positiveNumber('clients', values.clients, 0);
    if (clients !== undefined && !Number.isInteger(clients)) {
      throw new UsageError(`--clients must be a whole number, got "${values.clients}"`);
    }
    const factor = positiveNumber('factor', values.factor, 1.25);
    if (factor <= 1) throw new UsageError(`--factor must be above 1, got "${values.factor}"`);
    const step = values.step === undefined ? undefined : positiveNumber('step', values.step, 0);
    const maxRate =
      values['max-rate'] === undefined ? undefined : positiveNumber('max-rate', values['max-rate'], 0);
    const p99Ms = positiveNumber('p99', values.p99, DEFAULT_KNEE_LIMITS.p99Ms);
    const gateway = values.gateway ?? 'http://127.0.0.1:8080';
    if (!URL.canParse(gateway) || !/^https?:$/.test(new URL(gateway).protocol)) {
      throw new UsageError(`--gateway must be an http(s) URL, got "${gateway}"`);
    }
    const origin = new URL(gateway).origin;
    if (loopbackOrigin(origin) === undefined) {
      writeLine(
        io.stderr,
        `load: ${new URL(gateway).host} is not a loopback address, so all clients share this machine's address: a per-client rate limit by address applies to all of them together`,
      );
    }

    const stop = new AbortController();
    void io.interrupted.then(() => stop.abort());
    if (kneeSearch) {
      const result = await findKnee({
        gateway: origin,
        startRate: rate,
        durationS,
        factor,
        ...(step !== undefined ? { step } : {}),
        ...(maxRate !== undefined ? { maxRate } : {}),
        p99Ms,
        ...(clients !== undefined ? { clients } : {}),
        signal: stop.signal,
        ...(values.json ? {} : { onStep: (step) => writeLine(io.stdout, stepReport(step)) }),
      });
      writeLine(io.stdout, values.json ? JSON.stringify(result, null, 2) : kneeReport(result));
      return 0;
    }

    const tty = io.stdout.isTTY === true && !values.json;
    const summary = await runLoad({
      gateway: origin,
      rate,
      durationS,
      ...(clients !== undefined ? { clients } : {}),
      signal: stop.signal,
      ...(tty
        ? {
            onTick: ({ elapsedS, sent, errors }) =>
              io.stdout.write(`\r${progressBar(elapsedS / durationS, elapsedS, durationS, sent, errors)}`),
          }
        : {}),
    });
    if (tty) io.stdout.write('\r\x1b[2K');
    writeLine(io.stdout, values.json ? JSON.stringify(summary, null, 2) : summaryReport(summary, rate));
    return 0;
  },
};
