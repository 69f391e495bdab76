import { describe, expect, it } from 'vitest';
import type { CloudEvent } from '../cloud-event.js';
import type { Delivery } from './event-transport.js';
import { MemoryTransport } from './memory-transport.js';

function event(n: number, type = 'clock.tick', source = '/clock'): CloudEvent {
  return { specversion: '1.0', id: `e-${n}`, source, type, data: { n } } as CloudEvent;
}

const binding = { service: 'watch', patterns: [{ from: 'clock', pattern: 'clock.*' }], prefetch: 10 };

describe('MemoryTransport', () => {
  it('hands each consumer the events its binding matches, one batch per publish', async () => {
    const transport = new MemoryTransport();
    const batches: Delivery[][] = [];
    await transport.consume(binding, async (deliveries) => {
      batches.push([...deliveries]);
    });
    const outcomes = await transport.publish([
      event(1),
      event(2, 'user.created'),
      event(3, 'clock.tock', '/other'),
    ]);
    expect(outcomes).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(batches.map((batch) => batch.map((delivery) => JSON.parse(delivery.body).id))).toEqual([['e-1']]);
    expect(transport.published.map((published) => published.id)).toEqual(['e-1', 'e-2', 'e-3']);
  });

  it('reports events a consumer could not store, or `accept` refused, as not sent', async () => {
    const transport = new MemoryTransport({
      accept: (published) => (published.id === 'e-2' ? { ok: false, error: 'no' } : { ok: true }),
    });
    await transport.consume(binding, async () => {
      throw new Error('disk full');
    });
    expect(await transport.publish([event(1), event(2)])).toEqual([
      { ok: false, error: 'watch: disk full' },
      { ok: false, error: 'no' },
    ]);
    expect(transport.published).toEqual([]);
  });

  it('stops handing out events once the consumer stops', async () => {
    const transport = new MemoryTransport();
    let handed = 0;
    const stop = await transport.consume(binding, async (deliveries) => {
      handed += deliveries.length;
    });
    await transport.publish([event(1)]);
    await stop();
    await transport.publish([event(2)]);
    expect(handed).toBe(1);
  });
});
