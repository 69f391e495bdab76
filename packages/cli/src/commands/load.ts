import { UsageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { writeLine } from '../io.js';
import { progressBar } from '../load/progress-bar.js';
import { type LoadSummary, runLoad } from '../load/run-load.js';
import { parseCommandArgs, positiveNumber } from '../parse-command-args.js';

const help = `usage: flotilla load --rate <req/s> --duration <s> [--gateway <url>] [--json]

Drives realistic traffic through the gateway — creates users, places orders for them, reads both
back — at a fixed arrival rate (open model: requests go out on schedule whether or not earlier ones
have answered), then prints req/s achieved, p50/p95/p99 latency and errors by status.

options:
  --rate <n>         requests per second (required)
  --duration <s>     seconds to run (required)
  --gateway <url>    default http://127.0.0.1:8080
  --json             print the summary as JSON
  -h, --help         this help`;

function formatSummary(summary: LoadSummary, rate: number): string {
  const { p50, p95, p99, max } = summary.latencyMs;
  const errors = Object.entries(summary.errors)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, count]) => `${status}: ${count}`)
    .join(', ');
  const mix = Object.entries(summary.byOperation)
    .map(([operation, count]) => `${operation} ${count}`)
    .join(', ');
  return [
    `requests   ${summary.sent} sent, ${summary.completed} answered in ${summary.elapsedS.toFixed(1)} s (${mix})`,
    `rate       ${summary.achievedRate.toFixed(1)} req/s achieved (target ${rate})`,
    `latency    p50 ${p50.toFixed(1)} ms  p95 ${p95.toFixed(1)} ms  p99 ${p99.toFixed(1)} ms  max ${max.toFixed(1)} ms`,
    `errors     ${errors || 'none'}`,
  ].join('\n');
}

export const loadCommand: Command = {
  name: 'load',
  summary: 'drive realistic traffic through the gateway and summarise latency',
  help,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs('load', args, {
      rate: { type: 'string' },
      duration: { type: 'string' },
      gateway: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.help) {
      writeLine(io.stdout, help);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`load: unexpected argument "${positionals[0]}"`);
    if (values.rate === undefined) throw new UsageError('load: --rate is required');
    if (values.duration === undefined) throw new UsageError('load: --duration is required');
    const rate = positiveNumber('rate', values.rate, 0);
    const durationS = positiveNumber('duration', values.duration, 0);
    const gateway = values.gateway ?? 'http://127.0.0.1:8080';
    if (!URL.canParse(gateway) || !/^https?:$/.test(new URL(gateway).protocol)) {
      throw new UsageError(`--gateway must be an http(s) URL, got "${gateway}"`);
    }

    const tty = io.stdout.isTTY === true && !values.json;
    const stop = new AbortController();
    void io.interrupted.then(() => stop.abort());
    const summary = await runLoad({
      gateway: new URL(gateway).origin,
      rate,
      durationS,
      signal: stop.signal,
      ...(tty
        ? {
            onTick: ({ elapsedS, sent, errors }) =>
              io.stdout.write(`\r${progressBar(elapsedS / durationS, elapsedS, durationS, sent, errors)}`),
          }
        : {}),
    });
    if (tty) io.stdout.write('\r\x1b[2K');
    writeLine(io.stdout, values.json ? JSON.stringify(summary, null, 2) : formatSummary(summary, rate));
    return 0;
  },
};
