export type AttributeValue =
  | string
  | number
  | boolean
  | null
  | AttributeValue[]
  | { [key: string]: AttributeValue };
export type Attributes = Record<string, AttributeValue>;

export type SpanKindName = 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export type StatusCodeName = 'unset' | 'ok' | 'error';

/** One span as the trace API returns it. */
export interface SpanView {
  /** The W3C trace id, 32 hex digits. */
  readonly traceId: string;
  /** 16 hex digits. */
  readonly spanId: string;
  /** The span it is a child of; null for a trace's root. */
  readonly parentSpanId: string | null;
  /** The `service.name` of the process that recorded it. */
  readonly serviceName: string;
  /** What it did, e.g. `GET /users/:id`. */
  readonly name: string;
  /** Its OpenTelemetry kind. */
  readonly kind: SpanKindName;
  /** ISO 8601, millisecond precision; `startTimeUnixNano` keeps the full precision. */
  readonly startTime: string;
  /** Nanoseconds since the epoch, as a decimal string. */
  readonly startTimeUnixNano: string;
  /** How long it lasted. */
  readonly durationMs: number;
  /** Whether it failed, and why. */
  readonly status: { readonly code: StatusCodeName; readonly message?: string };
  /** Its OpenTelemetry attributes. */
  readonly attributes: Attributes;
  /** What happened during it, e.g. an exception. */
  readonly events: readonly { name: string; time: string; attributes: Attributes }[];
  /** Spans of other traces it relates to, e.g. the publish of the event it handled. */
  readonly links: readonly { traceId: string; spanId: string; attributes: Attributes }[];
  /** The attributes of the process that recorded it. */
  readonly resource: Attributes;
  /** The instrumentation that recorded it. */
  readonly scope: { readonly name: string; readonly version?: string };
}

/** A decoded span with its times as integers, for ordering and durations. */
export interface SpanRecord {
  /** The span as the trace API returns it. */
  readonly view: SpanView;
  /** Its start, in ns since the epoch. */
  readonly startNs: bigint;
  /** Its end, in ns since the epoch. */
  readonly endNs: bigint;
}
