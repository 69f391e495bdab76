import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from './create-logger.js';
import { OtlpLogShipper } from './otlp-log-shipper.js';

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/**
 * An OTLP receiver that keeps each export's body, answering with `status`; given `answering`, it
 * holds every answer until that promise settles.
 */
async function receiver(status = 200, answering: Promise<void> = Promise.resolve()) {
  const exports: {
    resourceLogs: { resource: unknown; scopeLogs: { logRecords: Record<string, unknown>[] }[] }[];
  }[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      exports.push(JSON.parse(body));
      void answering.then(() => response.writeHead(status, { 'content-type': 'application/json' }).end('{}'));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/logs`;
  const records = () => exports.flatMap((batch) => batch.resourceLogs[0]?.scopeLogs[0]?.logRecords ?? []);
  return { url, exports, records };
}

const quiet = () => ({ write: () => true }) as unknown as NodeJS.WritableStream;

describe('OtlpLogShipper', () => {
  it('sends pino lines as OTLP records in batches, secrets masked, trace ids as the record ids', async () => {
    const { url, exports, records } = await receiver();
    const shipper = new OtlpLogShipper({
      endpoint: url,
      serviceName: 'orders',
      serviceVersion: '1.2.3',
      maxBatch: 2,
    });
    const logger = createLogger({
      name: 'orders',
      destination: quiet(),
      ship: shipper,
      secrets: ['hunter22'],
    });
    logger.info({ trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16), orderId: 'o-1', n: 3 }, 'order placed');
    logger.error({ err: new Error('password hunter22 refused') }, 'cannot connect');
    logger.debug('below the level');
    await shipper.close();
    expect(exports).toHaveLength(1);
    expect(exports[0]?.resourceLogs[0]?.resource).toEqual({
      attributes: [
        { key: 'service.name', value: { stringValue: 'orders' } },
        { key: 'service.version', value: { stringValue: '1.2.3' } },
      ],
    });
    const [placed, failed] = records();
    expect(placed).toMatchObject({
      severityNumber: 9,
      severityText: 'INFO',
      body: { stringValue: 'order placed' },
      traceId: 'a'.repeat(32),
      spanId: 'b'.repeat(16),
      attributes: [
        { key: 'orderId', value: { stringValue: 'o-1' } },
        { key: 'n', value: { intValue: '3' } },
      ],
    });
    expect(placed?.timeUnixNano).toMatch(/^\d{19}$/);
    expect(failed).toMatchObject({ severityNumber: 17, body: { stringValue: 'cannot connect' } });
    expect(JSON.stringify(failed)).not.toContain('hunter22');
    expect([shipper.sent, shipper.dropped]).toEqual([2, 0]);
  });

  it('drops and counts past its queue instead of blocking or growing, and when the receiver fails', async () => {
    const { url, records } = await receiver(503);
    const shipper = new OtlpLogShipper({
      endpoint: url,
      serviceName: 'orders',
      maxQueue: 100,
      intervalMs: 60_000,
    });
    const logger = createLogger({ name: 'orders', destination: quiet(), ship: shipper });
    for (let n = 0; n < 10_000; n++) logger.info({ n }, 'busy');
    await shipper.close();
    expect(records()).toHaveLength(100);
    expect([shipper.sent, shipper.dropped]).toEqual([0, 10_000]);
    logger.info('after close');
    expect(shipper.dropped).toBe(10_001);
  });

  it('returns from logging before an export reaches the receiver, and keeps queuing while one is unanswered', async () => {
    let answer = () => {};
    const { url, exports, records } = await receiver(
      200,
      new Promise<void>((resolve) => {
        answer = resolve;
      }),
    );
    const shipper = new OtlpLogShipper({
      endpoint: url,
      serviceName: 'orders',
      maxBatch: 2,
      intervalMs: 60_000,
    });
    const logger = createLogger({ name: 'orders', destination: quiet(), ship: shipper });
    // A full batch: its export starts, but not within the logging call.
    logger.info('first');
    logger.info('second');
    expect(exports).toHaveLength(0);
    await expect.poll(() => exports.length, { interval: 5 }).toBe(1);
    // The receiver holds its answer: logging neither waits for it nor loses lines meanwhile.
    for (let n = 0; n < 10; n++) logger.info({ n }, 'while the export is unanswered');
    expect([exports.length, shipper.sent, shipper.dropped]).toEqual([1, 0, 0]);
    answer();
    await shipper.close();
    expect(records()).toHaveLength(12);
    expect([shipper.sent, shipper.dropped]).toEqual([12, 0]);
  });
});
