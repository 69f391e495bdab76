import { env, type Variable } from '../config/index.js';
import type { OtlpLogShipperOptions } from './otlp-log-shipper.js';
import type { SamplerName, TelemetryOptions } from './start-telemetry.js';

const SAMPLERS = [
  'budget',
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const satisfies readonly SamplerName[];

/**
 * The standard OpenTelemetry variables the kit honours, parsed like every other setting so a bad
 * value is reported at start-up with the rest. Entry points merge this schema into theirs.
 */
export const telemetryConfigSchema = {
  OTEL_SDK_DISABLED: env.boolean({ default: false, describe: 'true turns tracing off' }),
  OTEL_SERVICE_NAME: env.string({ optional: true, describe: 'service.name; the service name by default' }),
  OTEL_RESOURCE_ATTRIBUTES: keyValueList('resource attributes as key=value,key=value'),
  OTEL_EXPORTER_OTLP_ENDPOINT: env.url({
    protocols: ['http:', 'https:'],
    optional: true,
    describe: 'OTLP/HTTP base URL; traces go to <endpoint>/v1/traces',
  }),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: env.url({
    protocols: ['http:', 'https:'],
    optional: true,
    describe: 'full OTLP/HTTP traces URL (wins over OTEL_EXPORTER_OTLP_ENDPOINT)',
  }),
  OTEL_EXPORTER_OTLP_PROTOCOL: env.oneOf(['http/protobuf', 'http/json'], { default: 'http/protobuf' }),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: env.oneOf(['http/protobuf', 'http/json'], { optional: true }),
  OTEL_EXPORTER_OTLP_HEADERS: keyValueList('headers sent with every export, key=value,…', true),
  // Not OpenTelemetry's default (parentbased_always_on): exporting every span of every request
  // cost the system more than half its capacity under load (docs/adr/0006).
  OTEL_TRACES_SAMPLER: env.oneOf(SAMPLERS, {
    default: 'budget',
    describe: 'budget: TRACES_PER_SECOND new traces, plus failed and slow spans of the rest',
  }),
  OTEL_TRACES_SAMPLER_ARG: ratio('sampling ratio from 0 to 1 for the *traceidratio samplers'),
  TRACES_PER_SECOND: env.integer({ default: 10, min: 0, describe: 'new traces sampled per second (budget)' }),
  TRACES_SLOW_SPAN: env.duration({
    default: 250,
    describe: 'with budget, a span of an unsampled trace lasting this long is exported',
  }),
  OTEL_BSP_SCHEDULE_DELAY: env.integer({ default: 5000, min: 1, describe: 'ms between span exports' }),
  OTEL_BSP_MAX_QUEUE_SIZE: env.integer({ default: 2048, min: 1, describe: 'spans buffered before dropping' }),
  OTEL_LOGS_EXPORTER: env.oneOf(['otlp', 'none'], {
    default: 'otlp',
    describe: 'otlp: log lines also go to the OTLP endpoint (as OTLP/JSON); none: stdout only',
  }),
  OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: env.url({
    protocols: ['http:', 'https:'],
    optional: true,
    describe: 'full OTLP/HTTP logs URL (wins over OTEL_EXPORTER_OTLP_ENDPOINT + /v1/logs)',
  }),
};

type TelemetryConfig = {
  readonly [K in keyof typeof telemetryConfigSchema]: (typeof telemetryConfigSchema)[K] extends Variable<
    infer T
  >
    ? T
    : never;
};

/** Maps the parsed `OTEL_*` values to startTelemetry's options, following the variables' spec. */
export function telemetryOptionsFrom(
  config: TelemetryConfig,
  service: { name: string; version: string; instanceId?: string },
): TelemetryOptions {
  const endpoint = otlpEndpoint(config, 'traces');
  return {
    enabled: !config.OTEL_SDK_DISABLED,
    ...resourceOf(config, service),
    sampler: {
      name: config.OTEL_TRACES_SAMPLER,
      ratio: config.OTEL_TRACES_SAMPLER_ARG ?? 1,
      tracesPerSecond: config.TRACES_PER_SECOND,
      slowSpanMs: config.TRACES_SLOW_SPAN,
    },
    ...(endpoint
      ? {
          exporter: {
            endpoint,
            protocol: config.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? config.OTEL_EXPORTER_OTLP_PROTOCOL,
            headers: config.OTEL_EXPORTER_OTLP_HEADERS ?? {},
          },
        }
      : {}),
    batch: { scheduleDelayMs: config.OTEL_BSP_SCHEDULE_DELAY, maxQueueSize: config.OTEL_BSP_MAX_QUEUE_SIZE },
  };
}

/**
 * Where log lines are shipped, from the same variables: the logs endpoint, else the base endpoint's
 * `/v1/logs`; nothing when neither is set, tracing is off, or OTEL_LOGS_EXPORTER is `none`.
 */
export function logShipperOptionsFrom(
  config: TelemetryConfig,
  service: { name: string; version: string; instanceId?: string },
): OtlpLogShipperOptions | undefined {
  if (config.OTEL_SDK_DISABLED || config.OTEL_LOGS_EXPORTER === 'none') return undefined;
  const endpoint = otlpEndpoint(config, 'logs');
  if (!endpoint) return undefined;
  return { endpoint, ...resourceOf(config, service), headers: config.OTEL_EXPORTER_OTLP_HEADERS ?? {} };
}

/** The signal's own endpoint variable, else the base endpoint with the signal's standard path. */
function otlpEndpoint(config: TelemetryConfig, signal: 'traces' | 'logs'): string | undefined {
  const own =
    signal === 'traces' ? config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT : config.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT;
  const base = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  return own ?? (base ? `${base.replace(/\/+$/, '')}/v1/${signal}` : undefined);
}

/** The resource both signals share, so a service's spans and log lines name the same process. */
function resourceOf(config: TelemetryConfig, service: Parameters<typeof telemetryOptionsFrom>[1]) {
  const attributes = config.OTEL_RESOURCE_ATTRIBUTES ?? {};
  return {
    // OTEL_SERVICE_NAME wins over service.name in OTEL_RESOURCE_ATTRIBUTES, which wins over the code's name.
    serviceName: config.OTEL_SERVICE_NAME ?? attributes['service.name'] ?? service.name,
    serviceVersion: service.version,
    ...(service.instanceId ? { instanceId: service.instanceId } : {}),
    resourceAttributes: attributes,
  };
}

// The config builders have no number-in-range or key=value list; these follow the Variable contract.
function ratio(describe: string): Variable<number | undefined> {
  return {
    describe,
    secret: false,
    hasDefault: false,
    defaultValue: undefined,
    optional: true,
    parse(raw) {
      const value = Number(raw.trim());
      if (raw.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1) {
        throw new Error('must be a number from 0 to 1');
      }
      return value;
    },
  };
}

function keyValueList(
  describe: string,
  secret = false,
): Variable<Readonly<Record<string, string>> | undefined> {
  return {
    describe,
    secret,
    hasDefault: false,
    defaultValue: undefined,
    optional: true,
    parse: parseKeyValueList,
  };
}

/** W3C Baggage-style `key=value,key2=value2` with percent-encoded values, as the OTel spec defines. */
export function parseKeyValueList(raw: string): Readonly<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const entry of raw.split(',')) {
    if (entry.trim() === '') continue;
    const equals = entry.indexOf('=');
    const key = entry.slice(0, Math.max(equals, 0)).trim();
    if (equals <= 0 || key === '') throw new Error('must be a list of key=value pairs separated by commas');
    try {
      result[key] = decodeURIComponent(entry.slice(equals + 1).trim());
    } catch {
      throw new Error(`has a badly percent-encoded value for ${key}`);
    }
  }
  return result;
}
