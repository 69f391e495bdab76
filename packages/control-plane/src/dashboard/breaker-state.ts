/** A circuit breaker's state, in the words of the kit's resilience module. */
export type BreakerState = 'closed' | 'half-open' | 'open' | 'isolated';

/** One instance's breaker towards one target service. */
export interface BreakerReading {
  readonly target: string;
  readonly state: BreakerState;
}

// cockatiel's CircuitState enum, which a state gauge exports as a number.
const BY_NUMBER: readonly BreakerState[] = ['closed', 'open', 'half-open', 'isolated'];

/** Reads `open`, `HALF_OPEN`, `halfOpen`, `half-open` or cockatiel's number; `undefined` otherwise. */
export function toBreakerState(value: unknown): BreakerState | undefined {
  if (typeof value === 'number') return BY_NUMBER[value];
  if (typeof value !== 'string') return undefined;
  const word = value.toLowerCase().replace(/[^a-z]/g, '');
  if (word === 'halfopen') return 'half-open';
  return word === 'closed' || word === 'open' || word === 'isolated' ? word : undefined;
}

const SEVERITY: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2, isolated: 2 };

/** The more alarming of two states: what a service-wide summary shows. */
export function worseBreakerState(a: BreakerState, b: BreakerState): BreakerState {
  return SEVERITY[b] > SEVERITY[a] ? b : a;
}
