import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from './parse-prometheus-text.js';

describe('parsePrometheusText', () => {
  it("reads prom-client's own exposition: labels, buckets, +Inf, counters", async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ service: 'orders' });
    const histogram = new Histogram({
      name: 'h_seconds',
      help: 'h',
      labelNames: ['route'],
      buckets: [0.1, 1],
      registers: [registry],
    });
    histogram.observe({ route: '/a' }, 0.05);
    histogram.observe({ route: '/a' }, 2);
    new Counter({ name: 'c_total', help: 'c', registers: [registry] }).inc(3);
    new Gauge({ name: 'g', help: 'g', labelNames: ['target'], registers: [registry] }).set(
      { target: 'users' },
      1,
    );

    const samples = parsePrometheusText(await registry.metrics());
    const find = (name: string, labels: Record<string, string> = {}) =>
      samples.find(
        (sample) => sample.name === name && Object.entries(labels).every(([k, v]) => sample.labels[k] === v),
      );

    expect(find('h_seconds_bucket', { le: '0.1', route: '/a' })?.value).toBe(1);
    expect(find('h_seconds_bucket', { le: '+Inf' })?.value).toBe(2);
    expect(find('h_seconds_count')?.labels).toEqual({ route: '/a', service: 'orders' });
    expect(find('h_seconds_sum')?.value).toBeCloseTo(2.05);
    expect(find('c_total')?.value).toBe(3);
    expect(find('g', { target: 'users' })?.value).toBe(1);
  });

  it('unescapes label values, reads special values and timestamps, skips comments', () => {
    const text = [
      '# HELP x a help line',
      '# TYPE x gauge',
      'x{path="C:\\\\dir",msg="say \\"hi\\"\\n",} 1.5e3 1712345678000',
      'y +Inf',
      'z NaN',
      '',
    ].join('\n');
    const [x, y, z] = parsePrometheusText(text);
    expect(x).toEqual({ name: 'x', labels: { path: 'C:\\dir', msg: 'say "hi"\n' }, value: 1500 });
    expect(y?.value).toBe(Number.POSITIVE_INFINITY);
    expect(z?.value).toBeNaN();
  });

  it('skips malformed lines and keeps the good ones', () => {
    const text = [
      'good 1',
      'bad{unterminated="x 2',
      'worse{=1} 3',
      'novalue',
      'also_bad abc',
      'fine{a="b"} 4',
    ].join('\n');
    expect(parsePrometheusText(text).map((sample) => sample.name)).toEqual(['good', 'fine']);
  });
});
