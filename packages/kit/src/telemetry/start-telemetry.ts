import { context, ProxyTracerProvider, type Span, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import {
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
} from '@opentelemetry/semantic-conventions';
import { BudgetSampler } from './budget-sampler.js';
import { keepNotableSpans } from './keep-notable-spans.js';
import { type SpanOptions, withSpan } from './with-span.js';

/**
 * The samplers of `OTEL_TRACES_SAMPLER`: OpenTelemetry's, and `budget` (a number of new traces per
 * second, with the failed and slow spans of the others kept: see `BudgetSampler`).
 */
export type SamplerName =
  | 'budget'
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

/** How a process traces, from the `OTEL_*` settings. */
export interface TelemetryOptions {
  /** false: no spans at all (OTEL_SDK_DISABLED=true). */
  readonly enabled: boolean;
  /** `service.name` of every span. */
  readonly serviceName: string;
  /** `service.version` of every span. */
  readonly serviceVersion: string;
  /** `service.instance.id`: which instance of the service. */
  readonly instanceId?: string;
  /** Extra resource attributes (OTEL_RESOURCE_ATTRIBUTES). */
  readonly resourceAttributes?: Readonly<Record<string, string>>;
  /** Which traces are recorded; every trace when left out. */
  readonly sampler?: {
    readonly name: SamplerName;
    /** For the `*traceidratio` samplers, from 0 to 1. */
    readonly ratio?: number;
    /** For `budget`: new traces sampled per second (10 by default). */
    readonly tracesPerSecond?: number;
    /** For `budget`: a span of an unsampled trace is exported when it lasts this long (250 by default). */
    readonly slowSpanMs?: number;
    /** For `budget`: whether the entry spans of unsampled traces are recorded (true by default). */
    readonly entrySpans?: boolean;
  };
  /** Where spans go. Without it spans still give trace ids to logs, problems and calls, but are not exported. */
  readonly exporter?: {
    /** The full traces URL, e.g. http://127.0.0.1:8500/v1/traces. */
    readonly endpoint: string;
    readonly protocol: 'http/protobuf' | 'http/json';
    readonly headers?: Readonly<Record<string, string>>;
  };
  /** How spans are batched for export. */
  readonly batch?: { readonly scheduleDelayMs?: number; readonly maxQueueSize?: number };
  /** Extra processors, e.g. an in-memory exporter in tests. */
  readonly spanProcessors?: readonly SpanProcessor[];
}

/** What the kit needs to make spans: a tracer and the helper that runs code inside a span. */
export interface Tracing {
  /** The OpenTelemetry tracer for the process. */
  readonly tracer: Tracer;
  /** Runs `fn` in a new span, child of the active one (or of `options.parent`); errors mark it and rethrow. */
  withSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => T | Promise<T>): Promise<T>;
}

/** A process's tracing, started by `startTelemetry`; flush and shut it down at exit. */
export interface Telemetry extends Tracing {
  /** false when the SDK is disabled: spans are no-ops. */
  readonly enabled: boolean;
  /** Exports every finished span now. */
  forceFlush(): Promise<void>;
  /** Exports what is left and stops; for the `telemetry` shutdown stage. */
  shutdown(): Promise<void>;
}

const TRACER_NAME = '@flotilla/kit';

/**
 * Sets up tracing for one service. Each call gets its own tracer provider rather than the global
 * one, because several services may run in one process (tests, the CLI) and each needs its own
 * `service.name`. Only the context manager is process-wide, as the active span is.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  if (!options.enabled) return disabledTelemetry;
  useAsyncContext();
  const sampler = options.sampler ?? { name: 'parentbased_always_on' };
  const processors: SpanProcessor[] = [...(options.spanProcessors ?? [])];
  if (options.exporter) {
    const { endpoint, protocol, headers } = options.exporter;
    const config = { url: endpoint, headers: { ...headers } };
    const exporter =
      protocol === 'http/json' ? new OTLPJsonTraceExporter(config) : new OTLPProtobufTraceExporter(config);
    processors.push(
      new BatchSpanProcessor(exporter, {
        scheduledDelayMillis: options.batch?.scheduleDelayMs ?? 5000,
        maxQueueSize: options.batch?.maxQueueSize ?? 2048,
      }),
    );
  }
  const provider = new BasicTracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({
        ...options.resourceAttributes,
        [ATTR_SERVICE_NAME]: options.serviceName,
        [ATTR_SERVICE_VERSION]: options.serviceVersion,
        ...(options.instanceId ? { [ATTR_SERVICE_INSTANCE_ID]: options.instanceId } : {}),
      }),
    ),
    sampler: samplerFor(sampler),
    spanProcessors:
      sampler.name === 'budget'
        ? processors.map((processor) => keepNotableSpans(processor, { slowMs: sampler.slowSpanMs ?? 250 }))
        : processors,
  });
  const tracer = provider.getTracer(TRACER_NAME, options.serviceVersion);
  let stopping: Promise<void> | undefined;
  return {
    enabled: true,
    tracer,
    withSpan: (name, spanOptions, fn) => withSpan(tracer, name, spanOptions, fn),
    forceFlush: () => provider.forceFlush(),
    shutdown: () => (stopping ??= provider.shutdown()),
  };
}

function samplerFor(sampler: NonNullable<TelemetryOptions['sampler']>): Sampler {
  const ratio = new TraceIdRatioBasedSampler(sampler.ratio ?? 1);
  switch (sampler.name) {
    case 'budget':
      return new BudgetSampler({
        tracesPerSecond: sampler.tracesPerSecond ?? 10,
        entrySpans: sampler.entrySpans ?? true,
      });
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio });
  }
}

let asyncContextReady = false;

/** AsyncLocalStorage carries the active span across awaits; installed once per process. */
function useAsyncContext(): void {
  if (asyncContextReady) return;
  asyncContextReady = true;
  // false when the application installed its own context manager first, which serves as well.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}

const noopTracer = new ProxyTracerProvider().getTracer(TRACER_NAME);

const disabledTelemetry: Telemetry = {
  enabled: false,
  tracer: noopTracer,
  withSpan: (name, spanOptions, fn) => withSpan(noopTracer, name, spanOptions, fn),
  forceFlush: async () => {},
  shutdown: async () => {},
};
