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
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | null;
  readonly serviceName: string;
  readonly name: string;
  readonly kind: SpanKindName;
  /** ISO 8601, millisecond precision; `startTimeUnixNano` keeps the full precision. */
  readonly startTime: string;
  readonly startTimeUnixNano: string;
  readonly durationMs: number;
  readonly status: { readonly code: StatusCodeName; readonly message?: string };
  readonly attributes: Attributes;
  readonly events: readonly { name: string; time: string; attributes: Attributes }[];
  readonly links: readonly { traceId: string; spanId: string; attributes: Attributes }[];
  readonly resource: Attributes;
  readonly scope: { readonly name: string; readonly version?: string };
}

/** A decoded span with its times as integers, for ordering and durations. */
export interface SpanRecord {
  readonly view: SpanView;
  readonly startNs: bigint;
  readonly endNs: bigint;
}
