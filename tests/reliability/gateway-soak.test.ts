import autocannon from 'autocannon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { residentBytes } from '../support/processes.js';
import { type GatewayOverEcho, gatewayOverEcho } from './support/gateway-over-echo.js';
import { recordFigure } from './support/record-figure.js';

/**
 * Scenario 7b: ten minutes of steady load through the gateway, its resident memory sampled every
 * few seconds. Bounded means no growth: the second half's high-water mark stays within a small
 * headroom of the first half's (a leak keeps raising it; the garbage collector's sawtooth and V8
 * growing back into heap it had released do not), and the final RSS is under a cap. The trends of
 * the raw samples and of the floor RSS returns to after collection are reported beside it: over
 * ten minutes they are dominated by the collector's heuristics and swing either way by several MB
 * a minute, too noisy to assert on.
 * The vitest project runs this file beside the other scenarios (see vitest.config.ts), so the load
 * is modest: it must not starve them on a 2-core machine.
 */
const SOAK_SECONDS = Number(process.env.FLOTILLA_SOAK_SECONDS ?? 600);
const RATE = 150;
const SAMPLE_EVERY_MS = 5_000;
const MB = 1024 * 1024;
const HEADROOM_MB = 16;
const RSS_CAP_BYTES = 300 * MB;

let system: GatewayOverEcho;

beforeAll(async () => {
  system = await gatewayOverEcho();
}, 90_000);
afterAll(async () => {
  await system?.close();
});

/** Least-squares slope of `points` (x in minutes, y in MB). */
function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const [x, y] of points) {
    covariance += (x - meanX) * (y - meanY);
    variance += (x - meanX) ** 2;
  }
  return variance === 0 ? 0 : covariance / variance;
}

describe('gateway memory over a soak', () => {
  it(`stays bounded through ${SOAK_SECONDS} s at ${RATE} requests/s`, {
    timeout: (SOAK_SECONDS + 120) * 1000,
  }, async () => {
    const { gateway, path } = system;
    const pid = gateway.child.pid!;
    const begun = performance.now();
    const samples: [number, number][] = [];
    const sample = () => {
      const bytes = residentBytes(pid);
      if (bytes !== undefined) samples.push([(performance.now() - begun) / 60_000, bytes / MB]);
    };
    sample();
    const sampler = setInterval(sample, SAMPLE_EVERY_MS);
    const load = await autocannon({
      url: `${gateway.url}${path}`,
      connections: 10,
      overallRate: RATE,
      duration: SOAK_SECONDS,
      timeout: 10,
    });
    clearInterval(sampler);
    sample();

    const tenth = SOAK_SECONDS / 60 / 10;
    const floors: [number, number][] = [];
    for (let index = 0; index < 10; index++) {
      const inTenth = samples.filter(([minute]) => minute >= index * tenth && minute < (index + 1) * tenth);
      if (inTenth.length > 0)
        floors.push([(index + 0.5) * tenth, Math.min(...inTenth.map(([, megabytes]) => megabytes))]);
    }
    const trend = slope(floors.slice(Math.floor(floors.length / 2)));
    const rawTrend = slope(samples.slice(Math.floor(samples.length / 2)));
    const half = SOAK_SECONDS / 60 / 2;
    const firstHalfPeak = Math.max(...samples.filter(([minute]) => minute < half).map(([, mb]) => mb));
    const secondHalfPeak = Math.max(...samples.filter(([minute]) => minute >= half).map(([, mb]) => mb));
    const startMb = samples[0]![1];
    const peakMb = Math.max(...samples.map(([, mb]) => mb));
    const finalMb = samples.at(-1)![1];
    const failed = load.errors + load.timeouts + load.non2xx;
    // What the failures were: a gateway starved of CPU sheds load with 503 by design.
    const failures = [
      ...Object.entries(load.statusCodeStats ?? {})
        .filter(([status]) => !status.startsWith('2'))
        .map(([status, { count }]) => `${count ?? 0}× ${status}`),
      ...(load.errors > 0 ? [`${load.errors}× error`] : []),
      ...(load.timeouts > 0 ? [`${load.timeouts}× timeout`] : []),
    ].join(', ');
    recordFigure(import.meta.url, {
      id: '7-memory-soak',
      title: `Gateway memory over a ${(SOAK_SECONDS / 60).toLocaleString('en', { maximumFractionDigits: 1 })}-minute soak`,
      result: `${load.requests.total.toLocaleString('en')} requests at ${RATE}/s, ${failed} failed${failed > 0 ? ` (${failures})` : ''}; RSS ${startMb.toFixed(0)} MB at start, peak ${peakMb.toFixed(0)} MB, final ${finalMb.toFixed(0)} MB; peak ${firstHalfPeak.toFixed(0)} MB in the first half, ${secondHalfPeak.toFixed(0)} MB in the second (headroom ${HEADROOM_MB} MB); second-half trend ${rawTrend.toFixed(1)} MB/min raw, ${trend.toFixed(1)} MB/min post-GC floor`,
      measurements: {
        soakSeconds: SOAK_SECONDS,
        rate: RATE,
        requests: load.requests.total,
        failed,
        failures,
        p99Ms: load.latency.p99,
        samples: samples.length,
        startRssMb: Number(startMb.toFixed(1)),
        peakRssMb: Number(peakMb.toFixed(1)),
        finalRssMb: Number(finalMb.toFixed(1)),
        firstHalfPeakRssMb: Number(firstHalfPeak.toFixed(1)),
        secondHalfPeakRssMb: Number(secondHalfPeak.toFixed(1)),
        secondHalfFloorSlopeMbPerMinute: Number(trend.toFixed(3)),
        secondHalfRawSlopeMbPerMinute: Number(rawTrend.toFixed(3)),
        floorsMb: floors.map(([, megabytes]) => megabytes.toFixed(1)).join(','),
      },
    });
    expect(load.requests.total).toBeGreaterThan(0);
    // Memory is what is under test; the load must still have been served (shedding aside).
    expect(failed).toBeLessThan(load.requests.total * 0.01);
    expect(floors.length).toBe(10);
    expect(secondHalfPeak).toBeLessThanOrEqual(firstHalfPeak + HEADROOM_MB);
    expect(finalMb * MB).toBeLessThan(RSS_CAP_BYTES);
  });
});
