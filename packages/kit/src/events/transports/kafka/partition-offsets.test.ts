import { describe, expect, it } from 'vitest';
import { PartitionOffsets } from './partition-offsets.js';

describe('PartitionOffsets', () => {
  it('moves the commit point only over offsets that are all done, whatever order they finish in', () => {
    const offsets = new PartitionOffsets<string>();
    // 12 is a gap, as a transaction marker leaves one: only offsets taken count.
    for (const offset of [10n, 11n, 13n, 14n, 15n]) expect(offsets.take(offset, `m${offset}`)).toBe(true);
    expect(offsets.complete(13n)).toBeUndefined();
    expect(offsets.complete(11n)).toBeUndefined();
    expect(offsets.complete(10n)).toBe('m13');
    expect(offsets.complete(15n)).toBeUndefined();
    expect(offsets.complete(14n)).toBe('m15');
  });

  it('holds the commit point before an offset that never completes', () => {
    const offsets = new PartitionOffsets<string>();
    offsets.take(0n, 'first');
    offsets.take(1n, 'poison');
    offsets.take(2n, 'third');
    expect(offsets.complete(0n)).toBe('first');
    expect(offsets.complete(2n)).toBeUndefined();
  });

  it('refuses an offset fetched again, and ignores completing one it never took', () => {
    const offsets = new PartitionOffsets<string>();
    offsets.take(5n, 'a');
    offsets.take(6n, 'b');
    expect(offsets.take(5n, 'again')).toBe(false);
    expect(offsets.take(6n, 'again')).toBe(false);
    expect(offsets.complete(4n)).toBeUndefined();
    expect(offsets.take(7n, 'c')).toBe(true);
    expect(offsets.complete(5n)).toBe('a');
  });
});
