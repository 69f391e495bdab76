const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/**
 * Parses a duration the way Consul (Go's `time.ParseDuration`) writes it: `10s`, `1m30s`, `250ms`,
 * or a JSON number of nanoseconds. Returns milliseconds, or throws with Go's message so clients see
 * the error text they would get from Consul.
 */
export function parseGoDuration(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value / 1e6;
  if (typeof value !== 'string') throw new Error(`time: invalid duration ${JSON.stringify(value)}`);
  const text = value.trim();
  if (text === '0') return 0;
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '') throw new Error(`time: invalid duration ${JSON.stringify(value)}`);
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < rest.length) {
    const match = PART.exec(rest);
    if (!match) throw new Error(`time: invalid duration ${JSON.stringify(value)}`);
    total += Number(match[1]) * (UNIT_MS[match[2]!] ?? Number.NaN);
  }
  if (!Number.isFinite(total)) throw new Error(`time: invalid duration ${JSON.stringify(value)}`);
  return sign * total;
}

/** Formats milliseconds the way Go prints a `time.Duration` (enough for round trips in our API). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  return `${hours > 0 ? `${hours}h` : ''}${hours > 0 || minutes > 0 ? `${minutes}m` : ''}${seconds}s`;
}
