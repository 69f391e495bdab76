/**
 * Typed descriptions of environment variables. A small builder of our own rather than envalid or
 * zod: the design needs `NAME_FILE` secrets, redaction of secret values in every log line and one
 * report of every bad variable, which none of those gives together.
 */
export interface Variable<T> {
  /** What the value should be, for the error report. */
  readonly describe: string;
  /** Never logged; may be read from the file `NAME_FILE` names. */
  readonly secret: boolean;
  /** Whether it has a default. */
  readonly hasDefault: boolean;
  /** The value when the variable is unset. */
  readonly defaultValue: T | undefined;
  /** May be unset without a default: the value is then undefined. */
  readonly optional: boolean;
  /** Turns the raw string into a value, or throws an Error whose message says what was expected. */
  parse(raw: string): T;
}

interface Options<T> {
  readonly default?: T;
  readonly optional?: boolean;
  readonly describe?: string;
}

type Result<T, O> = O extends { default: unknown } ? T : O extends { optional: true } ? T | undefined : T;

function variable<T, O extends Options<T>>(
  expected: string,
  parse: (raw: string) => T,
  options: O | undefined,
  secret = false,
): Variable<Result<T, O>> {
  return {
    describe: options?.describe ?? expected,
    secret,
    hasDefault: options !== undefined && 'default' in options,
    defaultValue: options?.default as Result<T, O> | undefined,
    optional: options?.optional === true,
    parse: parse as (raw: string) => Result<T, O>,
  };
}

function string<O extends Options<string>>(options?: O) {
  return variable('a string', (raw) => raw, options);
}

function integer<O extends Options<number> & { min?: number; max?: number }>(options?: O) {
  const min = options?.min ?? Number.MIN_SAFE_INTEGER;
  const max = options?.max ?? Number.MAX_SAFE_INTEGER;
  return variable(
    `an integer from ${min} to ${max}`,
    (raw) => {
      const value = Number(raw.trim());
      if (!/^-?\d+$/.test(raw.trim()) || value < min || value > max) {
        throw new Error(`must be an integer from ${min} to ${max}`);
      }
      return value;
    },
    options,
  );
}

function port<O extends Options<number>>(options?: O) {
  return integer({ ...options, min: 0, max: 65535 } as O & { min: number; max: number });
}

function boolean<O extends Options<boolean>>(options?: O) {
  return variable(
    'true or false',
    (raw) => {
      const value = raw.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(value)) return true;
      if (['false', '0', 'no', 'off'].includes(value)) return false;
      throw new Error('must be true or false');
    },
    options,
  );
}

function oneOf<const V extends string, O extends Options<V>>(values: readonly V[], options?: O) {
  return variable(
    `one of ${values.join(', ')}`,
    (raw) => {
      if (!(values as readonly string[]).includes(raw))
        throw new Error(`must be one of ${values.join(', ')}`);
      return raw as V;
    },
    options,
  );
}

/**
 * A URL; `secret: true` for one that carries credentials (then also read from `NAME_FILE`, and
 * masked). `check` reads the schemes that are no WHATWG URL (several hosts, as `kafka://a:9092,b:9092`)
 * in place of `new URL`; it throws an Error saying what is wrong, without the value.
 */
function url<
  O extends Options<string> & {
    protocols?: readonly string[];
    secret?: boolean;
    check?: Readonly<Record<string, (raw: string) => unknown>>;
  },
>(options?: O) {
  const protocols = options?.protocols;
  const expected = protocols ? `a URL (${protocols.map((p) => `${p}//`).join(', ')})` : 'a URL';
  return variable(
    expected,
    (raw) => {
      const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(raw)?.[0].toLowerCase();
      const check = scheme === undefined ? undefined : options?.check?.[scheme];
      if (scheme !== undefined && check) {
        if (protocols && !protocols.includes(scheme)) throw new Error(`must be ${expected}`);
        try {
          check(raw);
        } catch (error) {
          throw new Error(`must be ${expected}: ${(error as Error).message}`);
        }
        return raw;
      }
      let parsed: URL;
      try {
        parsed = new URL(raw);
      } catch {
        throw new Error(`must be ${expected}`);
      }
      if (protocols && !protocols.includes(parsed.protocol)) throw new Error(`must be ${expected}`);
      return raw;
    },
    options,
    options?.secret === true,
  );
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** A duration such as `250ms`, `10s`, `5m`; the value is in milliseconds. */
function duration<O extends Options<number>>(options?: O) {
  return variable(
    'a duration such as 250ms, 10s or 5m',
    (raw) => {
      const match = DURATION.exec(raw.trim());
      if (!match) throw new Error('must be a duration such as 250ms, 10s or 5m');
      return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
    },
    options,
  );
}

/** Comma-separated list; empty entries dropped. */
function list<O extends Options<readonly string[]>>(options?: O) {
  return variable(
    'a comma-separated list',
    (raw): readonly string[] =>
      raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== ''),
    options,
  );
}

/** A secret: from `NAME` or from the file named by `NAME_FILE`. Never has a default. */
function secret<O extends Omit<Options<string>, 'default'>>(options?: O) {
  return variable('a secret', (raw) => raw, options, true);
}

/**
 * The kinds of setting a config schema declares, each read from one environment variable.
 *
 * @example
 * ```ts
 * const config = {
 *   INVOICE_DAY: env.integer({ default: 1 }),
 *   PAYMENTS_URL: env.url(),
 *   PAYMENTS_TOKEN: env.secret(),
 * };
 * export const billingService = defineService({ name: 'billing', version: '0.1.0', config, routes });
 * ```
 */
export const env = { string, integer, port, boolean, oneOf, url, duration, list, secret };

/** A config's variables by environment variable name, made with `env`. */
export type ConfigSchema = Readonly<Record<string, Variable<unknown>>>;
/** The values a schema reads to, each typed by its variable. */
export type ConfigValues<S extends ConfigSchema> = {
  readonly [K in keyof S]: S[K] extends Variable<infer T> ? T : never;
};
