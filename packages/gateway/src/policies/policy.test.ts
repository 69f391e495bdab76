import { FlotillaError } from '@flotilla/kit/errors';
import { describe, expect, it } from 'vitest';
import { testContext } from '../testing/test-context.js';
import { ANSWERED, decide, type Guard, type Send, wrap } from './policy.js';

describe('decide', () => {
  it('runs guards in order up to the first that decides, synchronously while they are', () => {
    const seen: string[] = [];
    const pass =
      (name: string): Guard =>
      () =>
        void seen.push(name);
    const refusal = new FlotillaError('FORBIDDEN');
    expect(decide([pass('a'), pass('b')], testContext())).toBeUndefined();
    expect(decide([pass('c'), () => refusal, pass('never')], testContext())).toBe(refusal);
    expect(decide([() => ANSWERED, pass('never')], testContext())).toBe(ANSWERED);
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('waits for a guard that returned a promise, then goes on with the next', async () => {
    const seen: string[] = [];
    const later: Guard = async () => void seen.push('later');
    const verdict = decide([later, () => void seen.push('next')], testContext());
    expect(verdict).toBeInstanceOf(Promise);
    expect(await verdict).toBeUndefined();
    expect(seen).toEqual(['later', 'next']);
  });
});

describe('wrap', () => {
  it('puts the first wrapper outermost', async () => {
    const order: string[] = [];
    const named =
      (name: string) =>
      (next: Send): Send =>
      async (context) => {
        order.push(name);
        return next(context);
      };
    const send = wrap([named('outer'), named('inner')], async () => 200);
    expect(await send(testContext())).toBe(200);
    expect(order).toEqual(['outer', 'inner']);
  });
});
