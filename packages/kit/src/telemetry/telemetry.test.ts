import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, createMetrics } from './index.js';

function capture() {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().trim().split('\n')));
  return { stream, lines };
}

describe('createLogger', () => {
  it('masks secret values wherever they appear', async () => {
    const { stream, lines } = capture();
    const logger = createLogger({ name: 'users', secrets: ['tok-123456'], destination: stream });
    logger.info({ url: 'postgres://u:tok-123456@db/x', nested: { value: 'tok-123456' } }, 'using tok-123456');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('tok-123456');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ service: 'users', msg: 'using [redacted]' });
  });
});

describe('createMetrics', () => {
  it('exposes process metrics and the HTTP histogram with service labels', async () => {
    const metrics = createMetrics({ service: 'users' });
    metrics.httpServerDuration.observe(
      { http_request_method: 'GET', http_route: '/users/:id', http_response_status_code: '200' },
      0.012,
    );
    const text = await metrics.registry.metrics();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toMatch(
      /http_server_request_duration_seconds_bucket\{le="0.025",service="users",.*http_route="\/users\/:id".*\} 1/,
    );
  });
});
