import type { KneeResult, KneeStep } from '../load/find-knee.js';
import { errorCount, type LoadSummary } from '../load/run-load.js';

const byStatus = (errors: Readonly<Record<string, number>>) =>
  Object.entries(errors)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([status, count]) => `${status}: ${count}`)
    .join(', ');

/** The summary of one run, a line per aspect. */
export function summaryReport(summary: LoadSummary, rate: number): string {
  const { p50, p95, p99, max } = summary.latencyMs;
  const mix = Object.entries(summary.byOperation)
    .map(([operation, count]) => `${operation} ${count}`)
    .join(', ');
  const from = summary.clients.distinctAddresses ? 'each from its own address' : 'sharing one address';
  return [
    `requests   ${summary.sent} sent, ${summary.completed} answered in ${summary.elapsedS.toFixed(1)} s (${mix})`,
    `clients    ${summary.clients.count}, ${from}`,
    `rate       ${summary.achievedRate.toFixed(1)} req/s achieved (target ${rate})`,
    `latency    p50 ${p50.toFixed(1)} ms  p95 ${p95.toFixed(1)} ms  p99 ${p99.toFixed(1)} ms  max ${max.toFixed(1)} ms`,
    `limited    ${summary.rateLimited} answered 429 (rate limit)`,
    `errors     ${byStatus(summary.errors) || 'none'}`,
  ].join('\n');
}

/** One line per step of a knee search. */
export function stepReport({ rate, summary, broke }: KneeStep): string {
  return [
    `step ${String(rate).padStart(6)} req/s`,
    `achieved ${summary.achievedRate.toFixed(1)}`,
    `p50 ${summary.latencyMs.p50.toFixed(1)} ms`,
    `p99 ${summary.latencyMs.p99.toFixed(1)} ms`,
    `429 ${summary.rateLimited}`,
    `errors ${errorCount(summary)}`,
    broke === undefined ? 'held' : `broke: ${broke}`,
  ].join('  ');
}

/** The knee, and what broke at the step after it. */
export function kneeReport(result: KneeResult): string {
  const knee =
    result.knee === undefined ? 'knee       none: the first step broke' : `knee       ${result.knee} req/s`;
  const broken = result.broken
    ? `at ${result.broken.rate} req/s: ${result.broken.broke}`
    : 'no step broke (stopped at --max-rate or interrupted)';
  return `${knee}\n${broken}`;
}
